package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restarts converge by themselves and never copy (or even read) unchanged files again. */
class RestartIT {
  @TempDir Path dir;

  private static long filesOf(Path root, int count, int size, long seed) throws Exception {
    Random random = new Random(seed);
    long total = 0;
    for (int i = 0; i < count; i++) {
      Path file = root.resolve("d" + (i % 20)).resolve("f" + i + ".bin");
      Files.createDirectories(file.getParent());
      byte[] data = new byte[size];
      random.nextBytes(data);
      Files.write(file, data);
      total += size;
    }
    return total;
  }

  private static long wireBytes(InProcessCluster cluster) {
    long sum = 0;
    for (var s : cluster.masterStatus().path("slaves")) {
      sum += s.path("sentBytes").asLong() + s.path("receivedBytes").asLong();
    }
    return sum;
  }

  @Test
  void masterRestartWithNothingChangedReadsNoFileAndExchangesAlmostNothing() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 2, "")) {
      filesOf(cluster.docroot("master"), 2000, 2048, 1);
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();

      cluster.stop("master");
      cluster.start("master");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.masterStatus().path("scanHashedFiles").asLong()).as("files read by the restarted master").isZero();
      assertThat(wireBytes(cluster)).as("bytes exchanged with both slaves after the restart").isLessThan(100_000);
      assertThat(cluster.differences()).isEmpty();
    }
  }

  @Test
  void slaveThatWasDownCatchesUpSendingOnlyWhatChanged() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 2, "")) {
      Path master = cluster.docroot("master");
      filesOf(master, 1000, 8192, 2);
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();

      cluster.stop("slave1");
      Files.writeString(master.resolve("d1/f1.bin"), "changed while slave1 was down");
      Files.delete(master.resolve("d2/f2.bin"));
      Files.writeString(master.resolve("new.txt"), "new while slave1 was down");
      // slave2 still follows live; slave1 is behind.
      assertThat(cluster.master().awaitAllApplied(1000)).as("wait with a slave down").isFalse();

      long before = wireBytes(cluster);
      cluster.start("slave1");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      long catchUp = wireBytes(cluster) - before;
      assertThat(catchUp).as("bytes to catch slave1 up (the manifest plus two small files)").isLessThan(1000L * 8192 / 10);
      assertThat(cluster.slaveStatus("slave1").path("scanHashedFiles").asLong()).as("files the restarted slave had to read").isZero();
    }
  }
}
