package org.replicator.cli.command;

import java.nio.file.Path;
import org.replicator.agent.api.CurrentMaster;
import org.replicator.cli.UsageException;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;
import org.replicator.core.config.ConfigException;
import org.replicator.core.config.NodeConfig;
import picocli.CommandLine.Option;

/** {@code [--config FILE] [--node NAME]}, shared by the commands that need the cluster file. */
public final class ConfigOptions {
  /** Where the package installs it, as rsync and lsyncd users expect a default config path. */
  public static final String DEFAULT_CONFIG = "/etc/replicator/cluster.yaml";

  @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "${env:REPLICATOR_CONFIG:-" + DEFAULT_CONFIG + "}",
      description = "The cluster file (YAML). Default: $REPLICATOR_CONFIG, else " + DEFAULT_CONFIG + ".")
  Path config;

  @Option(names = {"-n", "--node"}, paramLabel = "NAME", description = "The node to act as or to ask (default: the master: after a failover, the promoted node).")
  String node;

  ClusterConfig load() throws ConfigException {
    return ClusterConfigLoader.load(config);
  }

  /** {@code --node}, else the current master: the highest epoch's (after a failover), else the file's. */
  NodeConfig pick(ClusterConfig cluster) throws ConfigException {
    return node == null ? CurrentMaster.of(cluster) : cluster.node(node);
  }

  /**
   * For requests only the master's agent answers ({@code wait}, {@code verify}, {@code pause},
   * ...): {@code --node} may only name the master, so that a wrong name is not silently ignored.
   */
  NodeConfig master(ClusterConfig cluster, String command) throws ConfigException, UsageException {
    NodeConfig master = CurrentMaster.of(cluster);
    NodeConfig picked = node == null ? master : cluster.node(node);
    if (!picked.name().equals(master.name())) {
      throw new UsageException(command + " is answered by the master's agent (" + master.name() + "); --node "
          + picked.name() + " is a slave: drop --node");
    }
    return picked;
  }

  /** For commands that act as one node ({@code agent}, {@code adopt}): {@code --node} is required. */
  NodeConfig requireNode(ClusterConfig cluster) throws ConfigException, UsageException {
    if (node == null) {
      throw new UsageException("--node NAME is required (one of " + cluster.nodes().stream().map(NodeConfig::name).toList() + ")");
    }
    return cluster.node(node);
  }
}
