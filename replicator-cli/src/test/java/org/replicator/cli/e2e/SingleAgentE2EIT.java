package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.cli.e2e.ProcessCluster.CliResult;

/**
 * One agent per node, with real processes from the launcher: a second {@code replicator agent
 * --node X} on a running node's state_dir exits 2 at once naming the PID of the running one and
 * touches nothing; after a SIGKILL of the running one the lock is gone with the process (the
 * kernel released it) and the node starts again. For the master and for a slave.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class SingleAgentE2EIT {
  @RegisterExtension final ClusterGuard guard = new ClusterGuard();
  @TempDir Path tmp;

  @Test
  void secondAgentOfANodeIsRefusedAndAKilledAgentLeavesNoStaleLock() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    Files.writeString(cluster.master().resolve("index.php"), "<?php echo 1;\n");
    cluster.startAll();
    cluster.assertConverged();

    for (String node : new String[] {ProcessCluster.MASTER, "web2"}) {
      long pid = cluster.pid(node);
      Path socket = cluster.stateDir(node).resolve("control.sock");
      Object socketInode = Files.getAttribute(socket, "unix:ino");
      Map<String, Long> journal = segments(cluster.stateDir(node).resolve("journal"));

      CliResult second = ProcessCluster.run(ProcessCluster.launcher(), cluster.base().resolve("logs"), Duration.ofSeconds(120),
          "agent", "--config", cluster.clusterFile().toString(), "--node", node);

      assertThat(second.exit()).as("second agent of %s: %s", node, second).isEqualTo(2);
      assertThat(second.err()).as("%s", second)
          .contains("another agent of node " + node + " already runs on state_dir " + cluster.stateDir(node))
          .contains("PID " + pid);
      assertThat(second.out()).as("the refused agent started nothing: %s", second).doesNotContain("role=").doesNotContain("journal=");
      assertThat(Files.getAttribute(socket, "unix:ino")).as("%s's control socket, not unlinked and re-bound", node).isEqualTo(socketInode);
      assertThat(segments(cluster.stateDir(node).resolve("journal"))).as("%s's journal", node).isEqualTo(journal);
      assertThat(cluster.isRunning(node)).isTrue();
      cluster.status(node); // the first agent still answers on its socket

      // adopt writes the node's marker: never beside its running agent.
      CliResult adopt = ProcessCluster.run(ProcessCluster.launcher(), cluster.base().resolve("logs"), Duration.ofSeconds(120),
          "adopt", "--config", cluster.clusterFile().toString(), "--node", node);
      assertThat(adopt.exit()).as("adopt beside the running %s: %s", node, adopt).isEqualTo(2);
      assertThat(adopt.err()).as("%s", adopt).contains("adopt needs the node's agent stopped").contains("PID " + pid);

      cluster.kill(node);
      cluster.start(node);
      assertThat(cluster.pid(node)).isNotEqualTo(pid);
      assertThat(Files.readString(cluster.stateDir(node).resolve("agent.lock"), StandardCharsets.US_ASCII).trim())
          .as("the lock file names the new agent").isEqualTo(Long.toString(cluster.pid(node)));
    }

    Files.writeString(cluster.master().resolve("after-restarts.txt"), "both nodes restarted after SIGKILL\n");
    cluster.assertConverged();
  }

  /**
   * A slave whose listen port is taken (the previous agent still closing, another program) exits
   * 1, which systemd's Restart=on-failure retries, not 2, which RestartPreventExitStatus=2 would
   * leave dead until an operator comes.
   */
  @Test
  void slaveWhosePortIsTakenExitsOneSoThatSystemdRetries() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("p"));
    var web2 = cluster.config().node("web2");
    try (ServerSocket squatter = new ServerSocket()) {
      squatter.bind(new InetSocketAddress(web2.host(), web2.port()));
      CliResult refused = ProcessCluster.run(ProcessCluster.launcher(), cluster.base().resolve("logs"), Duration.ofSeconds(120),
          "agent", "--config", cluster.clusterFile().toString(), "--node", "web2");
      assertThat(refused.exit()).as("%s", refused).isEqualTo(1);
      assertThat(refused.err()).as("%s", refused).contains("node web2 cannot start").contains("will be retried by systemd")
          .doesNotContain("Exception");
    }
  }

  /**
   * Segment file names and sizes; empty when the folder does not exist (a slave has no journal).
   * The running agent itself rewrites each slave's {@code acked-} file within a second of an ack,
   * so those are left out.
   */
  private static Map<String, Long> segments(Path dir) throws IOException {
    Map<String, Long> out = new TreeMap<>();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.toString().endsWith(".seg")).toList()) {
        out.put(f.getFileName().toString(), Files.size(f));
      }
    }
    return out;
  }
}
