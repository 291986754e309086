package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.watch.ChangeSources;

/**
 * With the portable watcher ({@code -Dreplicator.watcher=portable}, as on a system without
 * inotify through JNA): 10,000 creates in one directory overflow the JDK 17 WatchService (512
 * pending events per key) and directory-watcher reports it as an exception. With the periodic reconcile off, only the
 * overflow path can bring the lost events back: it must fire, and every file must arrive.
 * (Status during the rescan is checked by the fault suite's claim checker, NetworkFaultsIT.)
 */
class OverflowStormIT {
  @TempDir Path dir;

  @Test
  void stormOfTenThousandCreatesOverflowsIntoARescanAndLosesNothing() throws Exception {
    System.setProperty(ChangeSources.PROPERTY, "portable");
    try (InProcessCluster cluster = new InProcessCluster(dir, 2, "reconcile_interval_s: 0\n")) {
      cluster.startAll();
      assertThat(cluster.masterStatus().path("watcher").path("source").asText()).isEqualTo("directory-watcher");
      assertThat(cluster.awaitApplied()).isTrue();
      // One process creating the files back to back (xargs touch, about 50 ms for 10,000) outruns
      // the JDK's delivery of a directory's events, as a real storm (an unzip, a cache flush) does;
      // a Java write loop here is slow enough for the watcher to keep up on a quiet machine. Even
      // xargs can lose the race on an idle machine (seen once in 30 runs), so up to three storms,
      // each in a directory of its own, until one overflows.
      int storms = 0;
      while (cluster.masterStatus().path("rescans").path("overflow").asLong() == 0 && storms < 3) {
        storms++;
        Path storm = Files.createDirectories(cluster.docroot("master").resolve("storm" + storms));
        Process storming = new ProcessBuilder("bash", "-c", "seq -f 'f%g' 0 9999 | xargs touch")
            .directory(storm.toFile()).inheritIO().start();
        assertThat(storming.waitFor()).isZero();
        assertThat(cluster.awaitApplied()).isTrue();
      }
      assertThat(cluster.masterStatus().path("rescans").path("overflow").asLong())
          .as("rescans caused by an overflow after %d storms", storms).isGreaterThanOrEqualTo(1);
      for (String slave : cluster.slaveNames()) {
        for (int i = 1; i <= storms; i++) {
          try (var files = Files.list(cluster.docroot(slave).resolve("storm" + i))) {
            assertThat(files.count()).as("files of storm %d on %s", i, slave).isEqualTo(10_000);
          }
        }
      }
      assertThat(cluster.differences()).isEmpty();
      assertThat(cluster.leftoverTempFiles()).isEmpty();
    } finally {
      System.clearProperty(ChangeSources.PROPERTY);
    }
  }

  /**
   * The same storm with inotify read directly: its queue (fs.inotify.max_queued_events, 16,384
   * here) may or may not overflow, depending on the load; either way every file arrives, with
   * the periodic reconcile off. (The overflow path itself: InotifySourceIT.)
   */
  @Test
  void stormOfTenThousandCreatesArrivesWholeWithInotify() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "reconcile_interval_s: 0\n")) {
      cluster.startAll();
      assertThat(cluster.masterStatus().path("watcher").path("source").asText()).isEqualTo("inotify");
      Path storm = Files.createDirectories(cluster.docroot("master").resolve("storm"));
      Process storming = new ProcessBuilder("bash", "-c", "seq -f 'f%g' 0 9999 | xargs touch")
          .directory(storm.toFile()).inheritIO().start();
      assertThat(storming.waitFor()).isZero();
      assertThat(cluster.awaitApplied()).isTrue();
      try (var files = Files.list(cluster.docroot("slave1").resolve("storm"))) {
        assertThat(files.count()).isEqualTo(10_000);
      }
      assertThat(cluster.differences()).isEmpty();
    }
  }
}
