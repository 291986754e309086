package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * The CLI's documented contract (docs/operations.md), run through {@code bin/replicator} against
 * real agents: exit codes 0/1/2/3, the {@code status --json} fields, and the demo.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CliContractE2EIT {
  private static final List<String> MASTER_FIELDS = List.of("node", "role", "cluster", "state", "message", "seq", "pendingPaths",
      "rescans", "held", "slaves");
  private static final List<String> SLAVE_LINK_FIELDS = List.of("name", "address", "connected", "state", "lastAckedSeq", "lagBatches",
      "lagBytes", "lagSeconds", "lastAppliedAt", "lastError", "sentBytes", "receivedBytes", "failures");
  private static final List<String> SLAVE_AGENT_FIELDS = List.of("state", "message", "master", "masterConnected", "lastAppliedSeq",
      "lastAppliedAt", "appliedFiles", "appliedBytes", "lastError", "failures", "sentBytes", "receivedBytes");

  @RegisterExtension final ClusterGuard guard = new ClusterGuard();
  @TempDir Path tmp;

  /**
   * One cluster through its life: in sync ({@code status} 0, JSON fields as documented on master
   * and slave), a slave stopped ({@code wait --timeout 1} and {@code status} 1), the slave back
   * (converged), the master stopped ({@code status} 3), and a cluster file with an unknown key
   * (2, naming file, line and key on stderr, nothing on stdout).
   */
  @Test
  void exitCodesAndStatusFieldsFollowTheDocumentedContract() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    Files.writeString(cluster.master().resolve("index.php"), "<?php\n", StandardCharsets.UTF_8);
    cluster.startAll();
    String config = cluster.clusterFile().toString();
    assertThat(cluster.waitCli(60).exit()).isZero();

    CliResult status = cluster.cli("status", "--config", config);
    assertThat(status.exit()).as("status, all in sync: %s", status).isZero();
    assertThat(status.out()).contains("web2", "web3");
    CliResult json = cluster.cli("status", "--config", config, "--json");
    assertThat(json.exit()).as("status --json: %s", json).isZero();
    JsonNode master = new ObjectMapper().readTree(json.out());
    assertThat(fieldNames(master)).containsAll(MASTER_FIELDS);
    assertThat(master.path("role").asText()).isEqualTo("master");
    assertThat(master.path("node").asText()).isEqualTo("web1");
    assertThat(master.path("cluster").asText()).isEqualTo("e2e");
    assertThat(master.path("state").asText()).isEqualTo("running");
    assertThat(master.path("slaves")).hasSize(2);
    for (JsonNode s : master.path("slaves")) {
      assertThat(fieldNames(s)).containsAll(SLAVE_LINK_FIELDS);
      assertThat(s.path("connected").asBoolean()).isTrue();
      assertThat(s.path("state").asText()).isEqualTo("live");
      assertThat(s.path("lagBatches").asLong()).isZero();
      assertThat(s.path("sentBytes").asLong()).isPositive();
      assertThat(s.path("failures").isArray()).isTrue();
    }
    CliResult slaveJson = cluster.cli("status", "--config", config, "--node", "web2", "--json");
    JsonNode slave = new ObjectMapper().readTree(slaveJson.out());
    assertThat(fieldNames(slave)).as("slave status: %s", slaveJson).containsAll(SLAVE_AGENT_FIELDS);
    assertThat(slave.path("role").asText()).isEqualTo("slave");
    assertThat(slave.path("state").asText()).isEqualTo("connected");

    cluster.stop("web3");
    Files.writeString(cluster.master().resolve("index.php"), "<?php\n// changed while web3 is down\n", StandardCharsets.UTF_8);
    CliResult waitBehind = cluster.cli("wait", "--config", config, "--timeout", "1");
    assertThat(waitBehind.exit()).as("wait --timeout 1 with a slave stopped: %s", waitBehind).isEqualTo(1);
    assertThat(waitBehind.err()).contains("see replicator status");
    CliResult statusBehind = cluster.cli("status", "--config", config);
    assertThat(statusBehind.exit()).as("status with a slave stopped: %s", statusBehind).isEqualTo(1);
    cluster.start("web3");
    cluster.assertConverged();

    CliResult verifyClean = cluster.cli("verify", "--config", config);
    assertThat(verifyClean.exit()).as("verify, in sync: %s", verifyClean).isZero();
    assertThat(verifyClean.out()).contains("web2: in sync", "web3: in sync");
    Files.writeString(cluster.docroot("web2").resolve("index.php"), "<?php // defaced on the slave\n", StandardCharsets.UTF_8);
    Files.writeString(cluster.docroot("web2").resolve("extra.php"), "<?php // planted\n", StandardCharsets.UTF_8);
    CliResult verifyDrift = cluster.cli("verify", "--config", config, "--slave", "web2");
    assertThat(verifyDrift.exit()).as("verify with drift: %s", verifyDrift).isEqualTo(1);
    assertThat(verifyDrift.out()).contains("web2: 2 differences", "index.php: content differs", "extra.php: extra: not on the master",
        "nothing changed");
    CliResult dryRun = cluster.cli("resync", "--config", config, "--dry-run");
    assertThat(dryRun.exit()).as("resync --dry-run: %s", dryRun).isEqualTo(1);
    assertThat(cluster.docroot("web2").resolve("extra.php")).exists();
    CliResult resync = cluster.cli("resync", "--config", config, "--slave", "web2");
    assertThat(resync.exit()).as("resync: %s", resync).isZero();
    assertThat(resync.out()).contains("web2: repaired: 1 files");
    cluster.assertConverged();
    assertThat(cluster.cli("verify", "--config", config).exit()).isZero();
    CliResult pause = cluster.cli("pause", "--config", config);
    assertThat(pause.exit()).as("pause: %s", pause).isZero();
    assertThat(pause.out()).contains("paused");
    assertThat(cluster.cli("pause", "--config", config).out()).contains("already paused");
    assertThat(cluster.status().path("state").asText()).isEqualTo("paused");
    CliResult resume = cluster.cli("resume", "--config", config);
    assertThat(resume.exit()).as("resume: %s", resume).isZero();
    assertThat(resume.out()).contains("resumed");
    CliResult unknownSlave = cluster.cli("verify", "--config", config, "--slave", "web9");
    assertThat(unknownSlave.exit()).as("verify --slave web9: %s", unknownSlave).isEqualTo(2);
    assertThat(unknownSlave.err()).contains("no node named 'web9'");

    cluster.stop(ProcessCluster.MASTER);
    CliResult unreachable = cluster.cli("status", "--config", config);
    assertThat(unreachable.exit()).as("status with the master stopped: %s", unreachable).isEqualTo(3);
    assertThat(unreachable.err()).contains("control.sock");
    assertThat(unreachable.out()).isEmpty();
    for (String command : List.of("status", "verify", "resync")) {
      CliResult r = cluster.cli(command, "--config", config);
      assertThat(r.exit()).as("%s with the master stopped: %s", command, r).isEqualTo(3);
      assertThat(r.err()).startsWith("replicator: no agent answers for node web1: ").contains("see systemctl status replicator@web1")
          .doesNotContain("Exception").doesNotContain("org.replicator");
    }

    List<String> lines = new ArrayList<>(Files.readAllLines(cluster.clusterFile(), StandardCharsets.UTF_8));
    lines.add(1, "colour: blue");
    Path broken = Files.write(tmp.resolve("broken.yaml"), lines, StandardCharsets.UTF_8);
    CliResult usage = cluster.cli("status", "--config", broken.toString());
    assertThat(usage.exit()).as("status with an unknown key: %s", usage).isEqualTo(2);
    assertThat(usage.err()).contains(broken + ":2: colour");
    assertThat(usage.err()).doesNotContain("\tat ");
    assertThat(usage.out()).isEmpty();
  }

  /** {@code replicator demo --seconds 2} runs its cluster, finds the trees identical and exits 0. */
  @Test
  void demoRunsAndReportsIdenticalTrees() {
    CliResult demo = ProcessCluster.run(ProcessCluster.launcher(), tmp, Duration.ofSeconds(150), "demo", "--dir",
        tmp.resolve("demo").toString(), "--seconds", "2");
    assertThat(demo.exit()).as("demo: %s", demo).isZero();
    assertThat(demo.out()).contains("identical").doesNotContain("DIFFERENT").doesNotContain("NOT applied");
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
