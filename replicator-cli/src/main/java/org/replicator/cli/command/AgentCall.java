package org.replicator.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Map;
import org.replicator.agent.api.ControlClient;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;

/**
 * How every command asks a running agent: one request on the node's control socket. When no agent
 * answers, every command fails with the same sentence (exit 3), naming the node, what was found
 * on the socket, and the systemd unit to look at.
 */
final class AgentCall {
  private AgentCall() {}

  static JsonNode call(ClusterConfig cluster, NodeConfig node, Map<String, Object> request) throws IOException {
    try {
      return ControlClient.call(cluster.stateDirOf(node), request);
    } catch (ControlClient.UnreachableException e) {
      throw unreachable(node, e);
    }
  }

  /** The one sentence for "no agent answers" (docs/operations.md, exit code 3). */
  static ControlClient.UnreachableException unreachable(NodeConfig node, ControlClient.UnreachableException e) {
    return new ControlClient.UnreachableException("no agent answers for node " + node.name() + ": " + e.getMessage()
        + "; see systemctl status replicator@" + node.name(), e);
  }
}
