package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bandwidth_limit} caps what the master sends to each slave. The assertion is a lower bound
 * on the transfer time, which the limit guarantees whatever the machine's speed (faster is
 * impossible, slower is allowed).
 */
class BandwidthLimitIT {
  @TempDir Path dir;

  @Test
  void transferToASlaveTakesAtLeastSizeOverTheLimit() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "bandwidth_limit: 512K\n")) {
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();
      byte[] data = new byte[2 << 20]; // incompressible: LZ4 cannot shrink it
      new Random(9).nextBytes(data);
      long start = System.nanoTime();
      Files.write(cluster.docroot("master").resolve("backup.zip"), data);
      assertThat(cluster.awaitApplied()).isTrue();
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(seconds).as("2 MiB at 512 KiB/s").isGreaterThan(2.5);
      assertThat(cluster.differences()).isEmpty();
    }
  }
}
