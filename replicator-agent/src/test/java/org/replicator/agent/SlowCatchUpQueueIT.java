package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slave whose catch-up is slow (a large file under a bandwidth limit) while the master keeps
 * making batches: past 256 queued batches the link drops its queue and catches up by diff again,
 * and the log line says how much it dropped (it used to be written after the queue was cleared,
 * so it always said "0 batches (0 bytes in memory)").
 */
class SlowCatchUpQueueIT {
  private static final Pattern SLOW = Pattern.compile("is slow: (\\d+) batches \\((\\d+) bytes in memory\\) queued; switching to catch-up by diff");

  @TempDir Path dir;

  @Test
  void queueOverflowDuringASlowCatchUpLogsWhatWasDropped() throws Exception {
    // 64 KiB/s and 4 MiB of incompressible data: the first catch-up takes about a minute.
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "batch_window_ms: 10\nbandwidth_limit: 65536\n");
        RecordingAppender log = new RecordingAppender("org.replicator.agent.master.SlaveLink")) {
      Path master = cluster.docroot("master");
      byte[] big = new byte[4 << 20];
      new Random(4).nextBytes(big);
      Files.write(master.resolve("big.bin"), big);
      cluster.startAll();
      await("slave1 catching up").atMost(Duration.ofSeconds(30))
          .until(() -> !log.containing("slave=slave1 catching up to batch").isEmpty());

      // One batch per file: each write waits until the planner numbered the previous one.
      for (int i = 0; i < 600 && log.containing("switching to catch-up by diff").isEmpty(); i++) {
        long before = cluster.master().seq();
        Files.writeString(master.resolve("small-" + i + ".txt"), "change " + i + "\n");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> cluster.master().seq() > before);
      }

      List<String> lines = log.containing("switching to catch-up by diff");
      assertThat(lines).as("SlaveLink log: %s", log.lines()).isNotEmpty();
      Matcher m = SLOW.matcher(lines.get(0));
      assertThat(m.find()).as(lines.get(0)).isTrue();
      assertThat(Long.parseLong(m.group(1))).as("batches dropped: %s", lines.get(0)).isEqualTo(256);
      assertThat(Long.parseLong(m.group(2))).as("inline bytes dropped: %s", lines.get(0)).isPositive();
    }
  }
}
