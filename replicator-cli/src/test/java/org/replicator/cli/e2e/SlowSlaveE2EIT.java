package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.scan.TreeComparison;

/**
 * A slave that stops reading (SIGSTOP: its socket stays open, its buffers fill) must not delay the
 * other slave, and catches up by itself once it runs again.
 */
class SlowSlaveE2EIT {
  @TempDir Path tmp;
  @RegisterExtension final ClusterGuard guard = new ClusterGuard();

  @Test
  void stoppedSlaveNeverDelaysTheOtherAndCatchesUpWhenResumed() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    Files.writeString(cluster.master().resolve("index.php"), "<?php");
    cluster.startAll();
    cluster.assertConverged();

    cluster.signal("web3", "STOP");
    try {
      Random random = new Random(11);
      Path uploads = cluster.master().resolve("wp-content/uploads");
      Files.createDirectories(uploads);
      for (int i = 0; i < 40; i++) {
        byte[] image = new byte[200_000];
        random.nextBytes(image);
        Files.write(uploads.resolve("img-" + i + ".jpg"), image);
      }
      byte[] big = new byte[24 << 20];
      random.nextBytes(big);
      Files.write(uploads.resolve("video.mp4"), big);

      await("web2 gets everything while web3 is stopped").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> TreeComparison.differences(cluster.master(), cluster.docroot("web2"), cluster.config().excludeMatcher()).isEmpty());
      var web3 = cluster.slaveStatus("web3");
      assertThat(web3.path("lagBatches").asLong()).as("web3 lags while stopped").isPositive();
    } finally {
      cluster.signal("web3", "CONT");
    }
    cluster.assertConverged();
  }
}
