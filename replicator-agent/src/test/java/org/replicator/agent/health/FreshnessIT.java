package org.replicator.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.InProcessCluster;
import org.replicator.core.health.Freshness;
import org.replicator.core.health.FreshnessCheck;
import org.replicator.core.health.Verdict;

/**
 * A running slave keeps its freshness file current; once its agent stops, the heartbeat ages and
 * the check fails (what a web health check needs, since HAProxy ignores an agent-check it cannot
 * reach). The PHP health script shipped in config/ agrees, when php is installed. The master
 * writes one too, and answers agent-check, always up while its agent runs.
 */
class FreshnessIT {
  static final Path PHP_SCRIPT = Path.of("..", "config", "replicator-health.php");
  @TempDir Path dir;

  @Test
  void stoppedSlaveAgentLeavesAFileWhoseHeartbeatAgesUntilTheCheckFails() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "health: {drain_lag_s: 1, down_lag_s: 30, heartbeat_timeout_s: 2}\n")) {
      cluster.startAll();
      Files.writeString(cluster.docroot("master").resolve("index.php"), "<?php echo 1;");
      assertThat(cluster.awaitApplied()).isTrue();
      Path file = cluster.docroot("slave1").resolve(Freshness.RELATIVE_PATH);
      await("the file shows the applied batch").atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file)
          && Freshness.parse(Files.readString(file, StandardCharsets.UTF_8)).lastAppliedSeq() > 0);
      assertThat(FreshnessCheck.check(file, Clock.systemUTC()).fresh()).isTrue();
      Freshness f = Freshness.parse(Files.readString(file, StandardCharsets.UTF_8));
      assertThat(f.node()).isEqualTo("slave1");
      assertThat(f.pid()).isEqualTo(ProcessHandle.current().pid());
      assertThat(f.masterConnected()).isTrue();
      assertThat(f.heartbeatTimeoutSeconds()).isEqualTo(2);
      assertThat(php(cluster.docroot("slave1"))).isIn(0, -1);
      Path masterFile = cluster.docroot("master").resolve(Freshness.RELATIVE_PATH);
      assertThat(FreshnessCheck.check(masterFile, Clock.systemUTC()).fresh()).as("the master writes one too").isTrue();
      assertThat(Freshness.parse(Files.readString(masterFile, StandardCharsets.UTF_8)).verdict()).isEqualTo(Verdict.UP);

      cluster.stop("slave1");
      await("the check fails once the heartbeat is older than 2 s")
          .atMost(Duration.ofSeconds(15))
          .until(() -> FreshnessCheck.check(file, Clock.systemUTC()), r -> !r.fresh());
      assertThat(FreshnessCheck.check(file, Clock.systemUTC()).reason()).contains("is the replicator agent of slave1 running?");
      assertThat(php(cluster.docroot("slave1"))).isIn(1, -1);
    }
  }

  @Test
  void theMasterAnswersAgentCheckUpAndItsFileAgesOnceStopped() throws Exception {
    int port = InProcessCluster.freePort();
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "health: {drain_lag_s: 1, down_lag_s: 30, heartbeat_timeout_s: 2}\n",
        name -> name.equals("master") ? "    agent_check: 127.0.0.1:" + port + "\n" : "")) {
      cluster.startAll();
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("up ready # master\n");
      }
      Path file = cluster.docroot("master").resolve(Freshness.RELATIVE_PATH);
      await("the master writes its file").atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file));
      cluster.stop("master");
      await("the check fails once the heartbeat is older than 2 s")
          .atMost(Duration.ofSeconds(15))
          .until(() -> FreshnessCheck.check(file, Clock.systemUTC()), r -> !r.fresh());
    }
  }

  /** Exit code of the PHP health script for {@code docroot}; -1 when php is not installed. */
  private static int php(Path docroot) throws IOException, InterruptedException {
    if (!Files.isExecutable(Path.of("/usr/bin/php"))) {
      return -1;
    }
    Process p = new ProcessBuilder("/usr/bin/php", PHP_SCRIPT.toString(), docroot.toString())
        .redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("php finished: " + out).isTrue();
    assertThat(out).startsWith(p.exitValue() == 0 ? "fresh: " : "stale: ");
    return p.exitValue();
  }
}
