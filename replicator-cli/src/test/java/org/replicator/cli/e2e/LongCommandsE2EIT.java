package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.cli.e2e.ProcessCluster.CliResult;

/**
 * Commands that take long, run as an operator or a deploy script does (bin/replicator against
 * real agent processes): they say at once what they wait for, a killed one leaves nothing
 * behind in the agent, and {@code wait} rides over an agent restart.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LongCommandsE2EIT {
  @RegisterExtension final ClusterGuard guard = new ClusterGuard();
  @TempDir Path tmp;

  /**
   * A resync of a stopped slave says at once that it waits for that slave; killed (SIGKILL, the
   * worst case: no chance to say goodbye), the agent drops the request, and once the slave is back
   * a verify runs instead of being refused as "already running".
   */
  @Test
  void aKilledResyncIsDroppedByTheAgentAndTheNextVerifyRuns() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    Files.writeString(cluster.master().resolve("index.php"), "<?php\n", StandardCharsets.UTF_8);
    cluster.startAll();
    String config = cluster.clusterFile().toString();
    assertThat(cluster.waitCli(60).exit()).isZero();
    cluster.stop("web3");

    Path err = tmp.resolve("resync.err");
    Process resync = start(tmp.resolve("resync.out"), err, "resync", "--config", config, "--slave", "web3");
    try {
      await("resync says what it waits for").atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(Files.readString(err, StandardCharsets.UTF_8)).contains("web3: waiting for slave web3 to connect"));
      assertThat(cluster.status().path("slaves").get(1).path("check").path("kind").asText()).isEqualTo("resync");
    } finally {
      resync.destroyForcibly();
      assertThat(resync.waitFor(20, TimeUnit.SECONDS)).isTrue();
    }
    await("the agent drops the resync of the killed client").atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(cluster.status().path("slaves").get(1).path("check").isNull()).isTrue());

    cluster.start("web3");
    CliResult verify = cluster.cli("verify", "--config", config, "--slave", "web3");
    assertThat(verify.exit()).as("verify after the killed resync: %s", verify).isZero();
    assertThat(verify.out()).contains("web3: in sync");
    assertThat(verify.err()).doesNotContain("already running");
  }

  /**
   * The deploy script's barrier right after {@code systemctl restart}: the master is down when
   * {@code wait} starts; it says what it waits for, keeps asking, and exits 0 once the restarted
   * master has applied the change on every slave.
   */
  @Test
  void waitRidesOverAMasterRestart() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    cluster.startAll();
    String config = cluster.clusterFile().toString();
    assertThat(cluster.waitCli(60).exit()).isZero();
    cluster.stop(ProcessCluster.MASTER);
    Files.writeString(cluster.master().resolve("deployed.php"), "<?php // new release\n", StandardCharsets.UTF_8);

    Path err = tmp.resolve("wait.err");
    Process wait = start(tmp.resolve("wait.out"), err, "wait", "--config", config, "--timeout", "150");
    try {
      await("wait says what it waits for").atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(Files.readString(err, StandardCharsets.UTF_8)).contains("waiting up to 150 s for the agent of web1"));
      cluster.start(ProcessCluster.MASTER);
      assertThat(wait.waitFor(150, TimeUnit.SECONDS)).as("wait finished").isTrue();
      assertThat(wait.exitValue()).as("wait: %s", Files.readString(err, StandardCharsets.UTF_8)).isZero();
    } finally {
      wait.destroyForcibly();
    }
    for (String slave : ProcessCluster.SLAVES) {
      assertThat(cluster.docroot(slave).resolve("deployed.php")).exists();
    }
  }

  private static Process start(Path out, Path err, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessCluster.launcher().toString());
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
  }
}
