package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drift made directly on a slave is found by the periodic check, reported by path, and repaired. */
class AntiEntropyIT {
  @TempDir Path dir;

  @Test
  void driftOnASlaveIsFoundReportedAndRepairedWithoutAnOperator() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "anti_entropy_interval_s: 2\n")) {
      Path master = cluster.docroot("master");
      Files.writeString(master.resolve("index.php"), "<?php echo 'ok';");
      Files.writeString(master.resolve("wp-config.php"), "<?php define('DB', 'x');");
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();

      Path slave = cluster.docroot("slave1");
      Files.writeString(slave.resolve("index.php"), "<?php echo 'defaced';");
      Files.delete(slave.resolve("wp-config.php"));
      Files.writeString(slave.resolve("shell.php"), "<?php system($_GET['c']);");

      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(cluster.differences()).isEmpty());
      JsonNode ae = cluster.masterStatus().path("slaves").get(0).path("antiEntropy");
      await().atMost(Duration.ofSeconds(10)).until(() -> cluster.masterStatus().path("slaves").get(0)
          .path("antiEntropy").path("driftedPathsTotal").asLong() >= 3);
      ae = cluster.masterStatus().path("slaves").get(0).path("antiEntropy");
      assertThat(ae.path("runs").asLong()).isPositive();
      assertThat(ae.path("intervalSeconds").asLong()).isEqualTo(2);
      java.util.List<String> reported = new java.util.ArrayList<>();
      for (JsonNode run : java.util.List.of(ae.path("last"))) {
        run.path("paths").forEach(p -> reported.add(p.path("path").asText()));
      }
      // The last run may already be a clean one; the total counts every drifted path.
      assertThat(ae.path("driftedPathsTotal").asLong()).isEqualTo(3);
      assertThat(reported).isSubsetOf("index.php", "wp-config.php", "shell.php");
      assertThat(Files.readString(slave.resolve("index.php"))).contains("ok");
    }
  }
}
