package org.replicator.agent;

import org.replicator.agent.master.MasterAgent;
import org.replicator.agent.role.RoleHost;
import org.replicator.agent.slave.SlaveAgent;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.config.Role;

/** Builds the agent of a node's role. */
public final class Agents {
  private Agents() {}

  /** The node's agent: its role comes from its epoch (agent.role), the file's role: is epoch 0. */
  public static Agent create(ClusterConfig config, NodeConfig node) {
    return new RoleHost(config, node);
  }

  /** The agent of the role the file names, fixed (tests of one role). */
  public static Agent fixed(ClusterConfig config, NodeConfig node) {
    return node.role() == Role.MASTER ? new MasterAgent(config, node) : new SlaveAgent(config, node);
  }
}
