package org.replicator.agent.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.InProcessCluster;

/**
 * A real haproxy 2.6 asks a real slave's agent-check: the server is drained while the slave lags,
 * down once it lags past down_lag_s or has lost its master that long, and back up once caught up.
 * The lag comes from a file sent under a bandwidth limit (the slave has its BATCH_BEGIN and
 * waits for the content); the disconnection from stopping the master.
 */
class AgentCheckHaproxyIT {
  @TempDir Path dir;

  /** Stands in for the slave's web server, so that haproxy's own health check passes. */
  private static Thread webServer(ServerSocket socket) {
    Thread t = new Thread(() -> {
      while (!socket.isClosed()) {
        try (Socket s = socket.accept()) {
          // connect-and-close is all a TCP health check needs
        } catch (IOException e) {
          return; // closed at the end of the test
        }
      }
    }, "test-web-server");
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Test
  void haproxyDrainsALaggingSlaveTakesADisconnectedOneDownAndTakesItBackOnceCaughtUp() throws Exception {
    Assumptions.assumeTrue(HaproxyProcess.binary().isPresent(), "haproxy is not installed (apt-get install haproxy)");
    int agentPort = InProcessCluster.freePort();
    String health = "health: {drain_lag_s: 1, down_lag_s: 4, heartbeat_timeout_s: 2}\nbandwidth_limit: 100K\n";
    try (InProcessCluster cluster = new InProcessCluster(dir.resolve("cluster"), 1, health,
            name -> name.equals("slave1") ? "    agent_check: 127.0.0.1:" + agentPort + "\n" : "");
        ServerSocket web = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      webServer(web);
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();
      String server = "  server slave1 127.0.0.1:" + web.getLocalPort() + " check inter 500ms"
          + " agent-check agent-addr 127.0.0.1 agent-port " + agentPort + " agent-inter 200ms\n";
      try (HaproxyProcess haproxy = HaproxyProcess.start(dir.resolve("haproxy"), InProcessCluster.freePort(), server)) {
        awaitStatus(haproxy, "UP", 20);

        // 1.2 MB at 100 KiB/s: the slave holds the batch's BATCH_BEGIN for about 12 s.
        byte[] data = new byte[1_200_000];
        new Random(4).nextBytes(data);
        Files.write(cluster.docroot("master").resolve("upload.zip"), data);
        awaitStatus(haproxy, "DRAIN", 20);
        awaitStatus(haproxy, "DOWN", 20);
        assertThat(cluster.awaitApplied()).isTrue();
        awaitStatus(haproxy, "UP", 20);

        cluster.stop("master");
        awaitStatus(haproxy, "DOWN", 20);
        assertThat(cluster.slaveStatus("slave1").path("healthReason").asText()).startsWith("no master connection for");

        cluster.start("master"); // nothing changed: the catch-up ends with an empty batch
        awaitStatus(haproxy, "UP", 30);
        assertThat(cluster.slaveStatus("slave1").path("health").asText()).isEqualTo("up");
      }
    }
  }

  private static void awaitStatus(HaproxyProcess haproxy, String expected, int seconds) {
    await("haproxy status of slave1 becomes " + expected)
        .atMost(Duration.ofSeconds(seconds))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> haproxy.status("slave1"), s -> s.startsWith(expected));
  }
}
