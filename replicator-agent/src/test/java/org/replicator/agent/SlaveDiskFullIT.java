package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slave whose disk fills up reports the file and the reason, keeps applying what fits, and
 * catches up by itself once space is freed. Needs root (mounts a small tmpfs as the slave's
 * docroot); skipped otherwise. CI runs as root.
 */
class SlaveDiskFullIT {
  @TempDir Path dir;

  private static int run(String... cmd) throws Exception {
    return new ProcessBuilder(cmd).inheritIO().start().waitFor();
  }

  @Test
  void fullDiskIsReportedWithThePathAndHealsOnceSpaceIsFreed() throws Exception {
    Assumptions.assumeTrue(AgentEvents.isRoot(), "mounting a tmpfs needs root");
    InProcessCluster cluster = new InProcessCluster(dir, 1, "");
    Path slaveRoot = cluster.docroot("slave1");
    Files.createDirectories(slaveRoot);
    Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", slaveRoot.toString()) == 0, "tmpfs mount failed");
    try (cluster) {
      Files.writeString(cluster.docroot("master").resolve("index.php"), "<?php");
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();

      byte[] video = new byte[8 << 20];
      new Random(3).nextBytes(video);
      Files.write(cluster.docroot("master").resolve("video.mp4"), video);
      Files.writeString(cluster.docroot("master").resolve("small.txt"), "still flows");

      await("the failure is reported with its path").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> cluster.masterStatus().path("slaves").get(0).path("failures").toString().contains("video.mp4"));
      await("other files keep flowing").atMost(Duration.ofSeconds(30))
          .until(() -> Files.exists(slaveRoot.resolve("small.txt")));
      assertThat(cluster.master().awaitAllApplied(500)).as("wait while a file cannot be applied").isFalse();
      assertThat(cluster.leftoverTempFiles()).as("no temp file left by the failed put").isEmpty();

      assertThat(run("mount", "-o", "remount,size=32m", slaveRoot.toString())).isZero();
      await("heals without an operator").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .until(() -> cluster.differences().isEmpty());
      await("the failure leaves status once healed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> cluster.masterStatus().path("slaves").get(0).path("failures").isEmpty());
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.leftoverTempFiles()).isEmpty();
    } finally {
      run("umount", "-l", slaveRoot.toString());
    }
  }
}
