package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file the slave cannot write (permission denied: an immutable directory, which even root cannot
 * change) is a per-file failure: it is shown in the master's status with its path and reason, the
 * other files of the same burst still arrive, and once the directory is writable again the file
 * arrives by itself and the failure disappears from status. Needs root and an ext4-like filesystem
 * that supports {@code chattr +i}; skipped otherwise. CI runs as root on ext4.
 */
class PerFileFailureIT {
  @TempDir Path dir;

  private static int run(String... cmd) throws Exception {
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
  }

  private static JsonNode failures(InProcessCluster cluster) {
    return cluster.masterStatus().path("slaves").get(0).path("failures");
  }

  @Test
  void permissionDeniedIsShownWithItsPathDoesNotBlockOthersAndClearsWhenHealed() throws Exception {
    Assumptions.assumeTrue(AgentEvents.isRoot(), "chattr +i needs root");
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "")) {
      Path master = cluster.docroot("master");
      Path slave = cluster.docroot("slave1");
      Files.createDirectories(master.resolve("uploads"));
      Files.writeString(master.resolve("uploads/old.jpg"), "old");
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();

      Path locked = slave.resolve("uploads");
      Assumptions.assumeTrue(run("chattr", "+i", locked.toString()) == 0, "this filesystem has no chattr +i");
      try {
        Files.writeString(master.resolve("uploads/new.jpg"), "new upload");
        Files.writeString(master.resolve("index.php"), "<?php // still flows");

        await("the failure is shown with its path and reason").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
            .until(() -> failures(cluster).toString().contains("uploads/new.jpg"));
        // The directory's own times fail too (it is immutable): each path is its own entry.
        JsonNode failure = null;
        for (JsonNode f : failures(cluster)) {
          if (f.path("path").asText().equals("uploads/new.jpg")) {
            failure = f;
          }
        }
        assertThat(failure).as("an entry for the file itself").isNotNull();
        assertThat(failure.path("reason").asText()).as("the reason an operator reads").contains("PutFile uploads/new.jpg", "permission denied");
        await("other files keep flowing").atMost(Duration.ofSeconds(30))
            .until(() -> Files.exists(slave.resolve("index.php")));
        assertThat(cluster.master().awaitAllApplied(500)).as("never 'applied' while a file is missing").isFalse();
      } finally {
        run("chattr", "-i", locked.toString());
      }

      await("heals without an operator").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .until(() -> cluster.differences().isEmpty());
      await("the failure leaves status once healed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> failures(cluster).isEmpty());
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.leftoverTempFiles()).isEmpty();
    }
  }
}
