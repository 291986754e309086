package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.api.ControlClient;
import org.replicator.agent.control.ControlServer;
import org.replicator.agent.tls.ClusterCertificates;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;
import org.replicator.core.scan.TreeComparison;

/**
 * {@code replicator reload} through the control socket: a slave added to the cluster file is
 * caught up and then replicated to, a removed one is no longer sent anything, and an invalid or
 * restart-only file changes nothing.
 */
class ReloadIT {
  @TempDir Path dir;

  @Test
  void slaveAddedByReloadConvergesAndRemovedSlaveStopsReceiving() throws Exception {
    int metricsPort = InProcessCluster.freePort();
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "",
            name -> name.equals("master") ? "    metrics: 127.0.0.1:" + metricsPort + "\n" : "");
        AutoCloseables closing = new AutoCloseables()) {
      cluster.startAll();
      ControlServer masterControl = closing.add(new ControlServer(cluster.master()));
      masterControl.start();
      ControlServer slaveControl = closing.add(new ControlServer(cluster.slave("slave1")));
      slaveControl.start();
      Path m = cluster.docroot("master");
      Files.writeString(m.resolve("before.txt"), "before the reload");
      assertThat(cluster.awaitApplied()).isTrue();

      // The operator adds slave2 to the file, creates its TLS material, starts it, reloads.
      Path original = cluster.config().sourceFile();
      String base = Files.readString(original);
      Path withSlave2 = dir.resolve("cluster-3.yaml");
      Files.writeString(withSlave2, base
          + "  - name: slave2\n    role: slave\n    host: 127.0.0.1\n    port: " + InProcessCluster.freePort() + "\n"
          + "    docroot: " + dir.resolve("docroot-slave2") + "\n    state_dir: " + dir.resolve("state-slave2") + "\n");
      ClusterConfig three = ClusterConfigLoader.load(withSlave2);
      ClusterCertificates.createAll(three, cluster.caDir());
      Agent slave2 = closing.add(Agents.create(three, three.node("slave2")));
      slave2.start();
      assertThat(reload(cluster, "slave1", withSlave2).path("hooks").isArray()).isTrue();
      JsonNode added = reload(cluster, "master", withSlave2);
      assertThat(added.path("added").toString()).isEqualTo("[\"slave2\"]");
      assertThat(added.path("removed").toString()).isEqualTo("[]");

      assertThat(cluster.awaitApplied()).as("both slaves applied everything").isTrue();
      assertThat(TreeComparison.differences(m, dir.resolve("docroot-slave2"), three.excludeMatcher(), AgentEvents.isRoot()))
          .as("slave2 was caught up").isEmpty();
      Files.writeString(m.resolve("after-add.txt"), "live to both");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(dir.resolve("docroot-slave2/after-add.txt")).hasContent("live to both");
      assertThat(slaveNames(cluster)).containsExactly("slave1", "slave2");
      assertThat(scrape(metricsPort)).as("the added slave's meters, without a restart")
          .contains("replicator_slave_lag_batches{cluster=\"it\",node=\"master\",slave=\"slave2\"} 0.0")
          .contains("replicator_slave_connected{cluster=\"it\",node=\"master\",slave=\"slave2\"} 1.0");

      // An invalid file, and one that needs a restart, change nothing.
      Path invalid = dir.resolve("cluster-bad.yaml");
      Files.writeString(invalid, Files.readString(withSlave2).replace("role: slave\n    host: 127.0.0.1\n    port: " + three.node("slave2").port(),
          "role: slave\n    host: 127.0.0.1\n    port: 70000"));
      assertThatThrownBy(() -> reload(cluster, "master", invalid))
          .hasMessageContaining(invalid.toString()).hasMessageContaining("nodes[2].port: 70000 is out of range 1..65535");
      Path restartOnly = dir.resolve("cluster-restart.yaml");
      Files.writeString(restartOnly, base.replace("cluster: it\n", "cluster: it\nbatch_window_ms: 50\n"));
      assertThatThrownBy(() -> reload(cluster, "master", restartOnly))
          .hasMessageContaining(restartOnly + ": batch_window_ms (20 -> 50): cannot be applied to a running agent; nothing was changed");
      assertThat(slaveNames(cluster)).containsExactly("slave1", "slave2");

      // Removing slave2: the master closes its link and sends it nothing more.
      JsonNode removed = reload(cluster, "master", original);
      assertThat(removed.path("removed").toString()).isEqualTo("[\"slave2\"]");
      assertThat(slaveNames(cluster)).containsExactly("slave1");
      assertThat(scrape(metricsPort)).as("the removed slave's meters are gone").doesNotContain("slave=\"slave2\"")
          .contains("replicator_slave_connected{cluster=\"it\",node=\"master\",slave=\"slave1\"} 1.0");
      await("slave2 sees its master gone").atMost(Duration.ofSeconds(10))
          .until(() -> !slave2.status(false).get("masterConnected").equals(true));
      Files.writeString(m.resolve("after-remove.txt"), "slave1 only");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.docroot("slave1").resolve("after-remove.txt")).hasContent("slave1 only");
      assertThat(cluster.differences()).isEmpty();
      JsonNode slave1 = cluster.masterStatus().path("slaves").get(0);
      assertThat(slave1.path("state").asText()).isEqualTo("live");
      assertThat(slave1.path("lastError").isNull()).as(slave1.toString()).isTrue();
      assertThat(dir.resolve("docroot-slave2/after-remove.txt")).doesNotExist();
    }
  }

  private static String scrape(int port) throws Exception {
    var response = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.body();
  }

  private static JsonNode reload(InProcessCluster cluster, String node, Path file) throws Exception {
    return ControlClient.call(cluster.stateDir(node), Map.of("command", "reload", "config", file.toString()));
  }

  private static List<String> slaveNames(InProcessCluster cluster) {
    List<String> names = new ArrayList<>();
    cluster.masterStatus().path("slaves").forEach(s -> names.add(s.path("name").asText()));
    return names;
  }

  /** Closes what a test started, last first. */
  static final class AutoCloseables implements AutoCloseable {
    private final List<AutoCloseable> all = new ArrayList<>();

    <T extends AutoCloseable> T add(T c) {
      all.add(c);
      return c;
    }

    @Override
    public void close() throws Exception {
      for (int i = all.size() - 1; i >= 0; i--) {
        all.get(i).close();
      }
    }
  }
}
