package org.replicator.cli.command;

import java.util.concurrent.Callable;
import org.replicator.agent.api.StateDir;
import org.replicator.cli.ExitCode;
import org.replicator.cli.UsageException;
import org.replicator.core.apply.DocrootMarker;
import org.replicator.core.apply.MarkerState;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code replicator adopt}: an operator's statement that this non-empty docroot (for example one
 * filled by lsyncd) is the right one for this node. Writes the marker and the identity; the agent
 * then accepts it. Run it with the agent stopped.
 */
@Command(name = "adopt", description = {"Mark an existing, non-empty docroot as this node's (migrating from lsyncd).",
    "Run it with the node's agent stopped (it refuses while the agent runs); the agent then accepts the docroot."},
    footer = {"", "Exit status: 0 adopted (or already this node's), 2 usage or configuration error, or the node's agent is running.", "",
        "Example:", "  replicator adopt --config /etc/replicator/cluster.yaml --node web2"})
public final class AdoptCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    ClusterConfig cluster = options.load();
    NodeConfig node = options.requireNode(cluster);
    var docroot = cluster.docrootOf(node);
    var stateDir = cluster.stateDirOf(node);
    // The node's agent lock, held while the marker is written: adopting under a running agent
    // would change the docroot it serves behind its back.
    try (AutoCloseable lock = StateDir.createAndLock(stateDir, node.name())) {
      MarkerState state = DocrootMarker.check(docroot, stateDir);
      if (state.isOk()) {
        spec.commandLine().getOut().println(docroot + " already carries the marker of node " + node.name() + "; nothing to do");
        return ExitCode.OK;
      }
      DocrootMarker.adopt(docroot, stateDir, cluster.cluster());
      spec.commandLine().getOut().println("adopted " + docroot + " for node " + node.name() + " (before: " + state.status().inWords() + ")");
      return ExitCode.OK;
    } catch (StateDir.NodeRunningException e) {
      throw new UsageException("adopt needs the node's agent stopped: " + e.getMessage());
    }
  }
}
