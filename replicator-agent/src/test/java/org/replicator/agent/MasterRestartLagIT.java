package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slave that is down while the master restarts keeps lagging from the oldest change it lacks,
 * not from the restart: status JSON and {@code replicator_slave_lag_seconds} count from when the
 * journaled batch was made, so ReplicatorSlaveLagging keeps firing (it used to read 0.0 with 3
 * batches unacknowledged).
 */
class MasterRestartLagIT {
  private static final Pattern LAG = Pattern.compile(
      "^replicator_slave_lag_seconds\\{cluster=\"it\",node=\"master\",slave=\"slave1\"\\} (\\S+)$", Pattern.MULTILINE);

  @TempDir Path dir;

  private static JsonNode slave1(InProcessCluster cluster) {
    return cluster.masterStatus().path("slaves").get(0);
  }

  private static double scrapedLag(int port) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    Matcher m = LAG.matcher(r.body());
    assertThat(m.find()).as("replicator_slave_lag_seconds of slave1 in:\n%s", r.body()).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static long lastJournaled(InProcessCluster cluster) {
    return cluster.masterStatus().path("journal").path("lastSeq").asLong();
  }

  @Test
  void lagSecondsCountFromTheOldestJournaledBatchAcrossAMasterRestart() throws Exception {
    int metrics = InProcessCluster.freePort();
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "batch_window_ms: 50\n",
        name -> name.equals("master") ? "    metrics: 127.0.0.1:" + metrics + "\n" : "")) {
      Path master = cluster.docroot("master");
      Files.writeString(master.resolve("index.php"), "<?php\n");
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();

      cluster.stop("slave1");
      long before = lastJournaled(cluster);
      Files.writeString(master.resolve("while-down.txt"), "made while slave1 is down\n");
      await("the change journaled").atMost(Duration.ofSeconds(30)).until(() -> lastJournaled(cluster) > before);
      // The batch slave1 lacks was made before this instant.
      long journaledBy = System.currentTimeMillis();

      cluster.stop("master");
      cluster.start("master");
      long afterRestart = lastJournaled(cluster);
      Files.writeString(master.resolve("after-restart.txt"), "made after the master restarted\n");
      await("the change after the restart journaled").atMost(Duration.ofSeconds(30)).until(() -> lastJournaled(cluster) > afterRestart);

      long asked = System.currentTimeMillis();
      JsonNode s = slave1(cluster);
      assertThat(s.path("connected").asBoolean()).isFalse();
      assertThat(s.path("lagBatches").asLong()).as("%s", s).isGreaterThanOrEqualTo(2);
      double first = s.path("lagSeconds").asDouble();
      assertThat(first).as("lag seconds after the restart, %s", s).isGreaterThanOrEqualTo((asked - journaledBy) / 1000.0);

      long scraped = System.currentTimeMillis();
      assertThat(scrapedLag(metrics)).as("replicator_slave_lag_seconds").isGreaterThanOrEqualTo((scraped - journaledBy) / 1000.0);
      await("lag seconds grow while slave1 is away").atMost(Duration.ofSeconds(30))
          .until(() -> slave1(cluster).path("lagSeconds").asDouble() > first && scrapedLag(metrics) > first);

      cluster.start("slave1");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      await("no lag once slave1 acknowledged").atMost(Duration.ofSeconds(30))
          .until(() -> slave1(cluster).path("lagSeconds").asDouble() == 0 && slave1(cluster).path("lagBatches").asLong() == 0);
    }
  }
}
