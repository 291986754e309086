package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.cli.e2e.ProcessCluster.CliResult;

/**
 * {@code replicator reload} and SIGHUP against real agents started by {@code bin/replicator}: a
 * hook added to the cluster file runs on a slave after SIGHUP, the command reports what changed,
 * and invalid or restart-only files are refused with exit 2 and change nothing.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ReloadE2EIT {
  @RegisterExtension final ClusterGuard guard = new ClusterGuard();
  @TempDir Path tmp;

  @Test
  void sighupAndReloadApplyHooksAndRefuseWhatNeedsARestart() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    cluster.startAll();
    String config = cluster.clusterFile().toString();
    assertThat(cluster.waitCli(60).exit()).isZero();

    CliResult same = cluster.cli("reload", "--config", config);
    assertThat(same.exit()).as("reload, same file: %s", same).isZero();
    assertThat(same.out()).contains("reloaded web1: slaves added none, removed none");

    // Add a hook to the file; web2 takes it on SIGHUP, web3 through the command.
    Path out = tmp.resolve("hook.out");
    String original = Files.readString(cluster.clusterFile(), StandardCharsets.UTF_8);
    String withHook = original.replace("nodes:\n", "hooks:\n  - name: record\n    match: \"*.php\"\n"
        + "    run: [\"/bin/sh\", \"-c\", \"printf '%s\\\\n' \\\"$REPLICATOR_NODE\\\" \\\"$@\\\" >> " + out + "\", \"hook\"]\n"
        + "    paths: args\nnodes:\n");
    Files.writeString(cluster.clusterFile(), withHook, StandardCharsets.UTF_8);
    cluster.signal("web2", "HUP");
    await("web2 reloaded on SIGHUP").atMost(Duration.ofSeconds(20))
        .until(() -> cluster.status("web2").path("hooks").size() == 1);
    CliResult web3 = cluster.cli("reload", "--config", config, "--node", "web3");
    assertThat(web3.exit()).as("reload web3: %s", web3).isZero();
    assertThat(web3.out()).contains("reloaded web3: hooks record, health drain 10 s, down 60 s, heartbeat timeout 15 s");

    Files.writeString(cluster.master().resolve("new page.php"), "<?php\n", StandardCharsets.UTF_8);
    assertThat(cluster.waitCli(60).exit()).isZero();
    await("both slaves ran the hook").atMost(Duration.ofSeconds(20))
        .until(() -> Files.exists(out) && Files.readString(out).contains("web2\nnew page.php\n") && Files.readString(out).contains("web3\nnew page.php\n"));

    // Invalid: refused by the CLI itself, naming file, line and key.
    Files.writeString(cluster.clusterFile(), withHook.replace("run: [\"/bin/sh\"", "run: [\"sh\""), StandardCharsets.UTF_8);
    CliResult invalid = cluster.cli("reload", "--config", config);
    assertThat(invalid.exit()).as("reload, invalid: %s", invalid).isEqualTo(2);
    assertThat(invalid.err()).contains(config + ":").contains("hooks[0].run[0]: 'sh' is not an absolute path");
    // Needs a restart: refused by the agent, nothing changes.
    Files.writeString(cluster.clusterFile(), withHook.replace("cluster: e2e\n", "cluster: e2e\nbatch_window_ms: 40\n"), StandardCharsets.UTF_8);
    CliResult restart = cluster.cli("reload", "--config", config);
    assertThat(restart.exit()).as("reload, restart needed: %s", restart).isEqualTo(2);
    assertThat(restart.err()).contains("batch_window_ms (20 -> 40): cannot be applied to a running agent; nothing was changed");
    assertThat(cluster.status().path("slaves").size()).isEqualTo(2);
    Files.writeString(cluster.clusterFile(), withHook, StandardCharsets.UTF_8);
    cluster.assertConverged();
  }
}
