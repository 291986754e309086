package org.replicator.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.replicator.agent.api.ControlClient;
import org.replicator.cli.ExitCode;
import org.replicator.cli.UsageException;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code replicator reload}: a running agent re-reads the cluster file. The file is validated
 * here and again by the agent; the master adds and removes slaves, a slave takes new hooks and
 * health thresholds. A change that needs a restart is refused (exit 2) and changes nothing.
 */
@Command(name = "reload", description = "Make a running agent re-read the cluster file (add or remove slaves, hooks, health) without a restart.",
    footer = {"", "Exit status: 0 reloaded, 2 invalid file or a change that needs a restart (nothing changed), 3 no agent answers.", "",
        "Examples:", "  replicator reload --config /etc/replicator/cluster.yaml",
        "  replicator reload --config /etc/replicator/cluster.yaml --node web2"})
public final class ReloadCommand implements Callable<Integer>, ControlCommand {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    ClusterConfig cluster = options.load(); // an invalid file stops here, naming file, line and key
    NodeConfig node = options.pick(cluster);
    JsonNode result;
    try {
      result = AgentCall.call(cluster, node, Map.of("command", "reload", "config", options.config.toAbsolutePath().normalize().toString()));
    } catch (ControlClient.RefusedException e) {
      throw new UsageException(e.getMessage()); // the agent found the file invalid or the change needs a restart
    }
    PrintWriter out = spec.commandLine().getOut();
    if (result.has("added")) {
      out.println("reloaded " + node.name() + ": slaves added " + list(result.path("added")) + ", removed " + list(result.path("removed")));
    } else {
      JsonNode h = result.path("health");
      out.println("reloaded " + node.name() + ": hooks " + list(result.path("hooks")) + ", health drain " + h.path("drainLagSeconds").asInt()
          + " s, down " + h.path("downLagSeconds").asInt() + " s, heartbeat timeout " + h.path("heartbeatTimeoutSeconds").asInt() + " s");
    }
    out.flush();
    return ExitCode.OK;
  }

  private static String list(JsonNode names) {
    StringBuilder b = new StringBuilder();
    for (JsonNode n : names) {
      b.append(b.length() == 0 ? "" : ", ").append(n.asText());
    }
    return b.length() == 0 ? "none" : b.toString();
  }
}
