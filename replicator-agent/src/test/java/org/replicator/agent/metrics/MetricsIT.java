package org.replicator.agent.metrics;

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
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.InProcessCluster;
import org.replicator.agent.tls.Pem;
import org.replicator.agent.tls.TlsFiles;
import org.replicator.agent.watch.InotifyWatches;

/** Both agents serve /metrics where the cluster file says, with the figures status JSON shows. */
class MetricsIT {
  @TempDir Path dir;

  private static String scrape(int port) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  @Test
  void masterAndSlaveExportLagAppliedChangesAndErrors() throws Exception {
    Map<String, Integer> ports = Map.of("master", InProcessCluster.freePort(), "slave1", InProcessCluster.freePort());
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "", name -> "    metrics: 127.0.0.1:" + ports.get(name) + "\n")) {
      cluster.startAll();
      Files.writeString(cluster.docroot("master").resolve("a.txt"), "hello");
      Files.createDirectories(cluster.docroot("master").resolve("wp-content/uploads"));
      Files.writeString(cluster.docroot("master").resolve("wp-content/uploads/b.txt"), "world");
      assertThat(cluster.awaitApplied()).isTrue();

      String master = scrape(ports.get("master"));
      assertThat(master)
          .contains("replicator_slave_connected{cluster=\"it\",node=\"master\",slave=\"slave1\"} 1.0")
          .contains("replicator_slave_lag_batches{cluster=\"it\",node=\"master\",slave=\"slave1\"} 0.0")
          .contains("replicator_slave_lag_seconds{cluster=\"it\",node=\"master\",slave=\"slave1\"} 0.0")
          .contains("replicator_rescans_total{cause=\"startup\",cluster=\"it\",node=\"master\"} 1.0")
          .containsPattern("replicator_watches\\{cluster=\"it\",node=\"master\"\\} [1-9]")
          .contains("replicator_watches_limit{cluster=\"it\",node=\"master\"} " + (double) InotifyWatches.limit())
          .containsPattern("replicator_build_info\\{cluster=\"it\",node=\"master\",protocol=\"[0-9]+\\.[0-9]+\",version=\"[^\"]+\"\\} 1");
      // The certificate the agent loaded, as the gauge an expiry alert reads.
      long notAfter = Pem.readCertificate(TlsFiles.ofStateDir(cluster.stateDir("master")).nodeCert()).getNotAfter().toInstant().getEpochSecond();
      assertThat(master).contains("replicator_tls_certificate_expiry_seconds{cluster=\"it\",node=\"master\"} " + (double) notAfter);
      JsonNode slaveStatus = cluster.masterStatus().path("slaves").get(0);
      assertThat(slaveStatus.path("lagBatches").asLong()).isZero();
      assertThat(slaveStatus.path("journalBytes").asLong()).isZero();

      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(scrape(ports.get("slave1")))
          .contains("replicator_master_connected{cluster=\"it\",node=\"slave1\"} 1.0")
          .contains("replicator_agent_check{cluster=\"it\",node=\"slave1\",state=\"up\"} 1.0")
          .contains("replicator_applied_files_total{cluster=\"it\",node=\"slave1\"} 2.0")
          .contains("replicator_applied_bytes_total{cluster=\"it\",node=\"slave1\"} 10.0")
          .contains("replicator_lag_seconds{cluster=\"it\",node=\"slave1\"} 0.0"));
      JsonNode slave = cluster.slaveStatus("slave1");
      assertThat(slave.path("appliedFiles").asLong()).isEqualTo(2);
      assertThat(slave.path("health").asText()).isEqualTo("up");
      assertThat(slave.path("lagSeconds").asDouble()).isZero();
      assertThat(slave.has("errors")).isTrue();
    }
  }
}
