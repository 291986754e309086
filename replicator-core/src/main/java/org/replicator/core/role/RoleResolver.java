package org.replicator.core.role;

import java.util.ArrayList;
import java.util.List;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ConfigException;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.config.Role;

/**
 * The cluster as it runs at an epoch: the cluster file's nodes with {@code role:} reassigned so
 * that the epoch's master is the one master. The file's roles are only the initial assignment
 * (epoch 0); the replication hash ignores roles, so nodes at different epochs still agree on it and
 * the handshake reaches the epoch check.
 */
public final class RoleResolver {
  private RoleResolver() {}

  /** Epoch 0: the master named by the cluster file. */
  public static Epoch initial(ClusterConfig file) {
    return new Epoch(0, file.master().name());
  }

  /**
   * {@code file} with {@code master} as its only master.
   *
   * @throws ConfigException naming the file when it has no such node (an epoch from another cluster)
   */
  public static ClusterConfig effective(ClusterConfig file, String master) throws ConfigException {
    file.node(master); // throws, listing the file's nodes
    List<NodeConfig> nodes = new ArrayList<>();
    for (NodeConfig n : file.nodes()) {
      Role role = n.name().equals(master) ? Role.MASTER : Role.SLAVE;
      nodes.add(role == n.role() ? n
          : new NodeConfig(n.name(), role, n.host(), n.port(), n.docroot(), n.stateDir(), n.metrics(), n.agentCheck(), n.hooks()));
    }
    return new ClusterConfig(file.sourceFile(), file.cluster(), file.docroot(), file.userExcludes(), file.defaultExcludes(),
        file.batchWindowMillis(), file.batchMaxEvents(), file.delete(), file.massDeleteThreshold(), file.massDeleteMinPaths(),
        file.bandwidthLimitBytesPerSecond(), file.reconcileIntervalSeconds(), file.antiEntropyIntervalSeconds(), file.transport(),
        nodes, file.health(), file.hooks(), file.journal(), file.stack());
  }
}
