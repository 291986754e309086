package org.replicator.agent;

import org.replicator.agent.master.MasterAgent;
import org.replicator.agent.slave.SlaveAgent;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.config.Role;

/** Builds the agent of a node's role. */
public final class Agents {
  private Agents() {}

  public static Agent create(ClusterConfig config, NodeConfig node) {
    return node.role() == Role.MASTER ? new MasterAgent(config, node) : new SlaveAgent(config, node);
  }
}
