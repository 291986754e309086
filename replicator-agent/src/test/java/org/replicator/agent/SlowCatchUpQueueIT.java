package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slave whose catch-up is slow (a large file under a bandwidth limit) while the master keeps
 * making batches: every batch after the catch-up's snapshot is in the journal, so the link holds
 * none of them in memory and reads them from there once the slave acknowledged the differences,
 * instead of queueing them (and, past 256, comparing the trees again). Issue 16: the parts of a
 * first scan follow the catch-up of a slave that connected meanwhile. Nothing written meanwhile is
 * lost, and there is one comparison only.
 */
class SlowCatchUpQueueIT {
  @TempDir Path dir;

  @Test
  void queueOverflowDuringASlowCatchUpReadsOnFromTheJournalAndLosesNothing() throws Exception {
    // 64 KiB/s and 2 MiB of incompressible data: the first catch-up takes about 30 s.
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "batch_window_ms: 10\nbandwidth_limit: 65536\n");
        RecordingAppender log = new RecordingAppender("org.replicator.agent.master.SlaveLink")) {
      Path master = cluster.docroot("master");
      byte[] big = new byte[2 << 20];
      new Random(4).nextBytes(big);
      Files.write(master.resolve("big.bin"), big);
      cluster.startAll();
      await("slave1 catching up").atMost(Duration.ofSeconds(30))
          .until(() -> !log.containing("slave=slave1 catching up to batch").isEmpty());

      // One batch per file: each write waits until the planner numbered the previous one.
      int written = 0;
      for (; written < 600 && log.containing("wait in the journal until the catch-up is acknowledged").isEmpty(); written++) {
        long before = cluster.master().seq();
        Files.writeString(master.resolve("small-" + written + ".txt"), "change " + written + "\n");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> cluster.master().seq() > before);
      }
      assertThat(log.containing("wait in the journal until the catch-up is acknowledged")).as("SlaveLink log: %s", log.lines()).isNotEmpty();

      await("every file on the slave").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
          .until(() -> cluster.differences().isEmpty());
      assertThat(cluster.awaitApplied()).as("every batch acknowledged").isTrue();
      assertThat(Files.readString(cluster.docroot("slave1").resolve("small-" + (written - 1) + ".txt"))).isEqualTo("change " + (written - 1) + "\n");
      assertThat(log.containing("slave=slave1 catching up to batch")).as("one comparison, then the journal: %s", log.lines()).hasSize(1);
      assertThat(log.containing("switching to catch-up by diff")).isEmpty();
    }
  }
}
