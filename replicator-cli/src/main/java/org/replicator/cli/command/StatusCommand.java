package org.replicator.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.concurrent.Callable;
import org.replicator.cli.ExitCode;
import org.replicator.cli.output.StatusTable;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code replicator status}: asks the master's agent (or {@code --node}'s) through its control
 * socket. Exit 0 when every slave is live with no lag, 1 when any is behind or disconnected.
 */
@Command(name = "status", description = "Show each slave's connection, last acknowledged batch, lag and last error.",
    footer = {"", "Exit status: 0 every slave live and current, 1 behind or disconnected, 2 usage, 3 no agent answers.", "",
        "Examples:", "  replicator status --config /etc/replicator/cluster.yaml",
        "  replicator status --config /etc/replicator/cluster.yaml --node web2 --json"})
public final class StatusCommand implements Callable<Integer>, ControlCommand {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--json", description = "Print the agent's answer as JSON (stable field names, docs/operations.md).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    ClusterConfig cluster = options.load();
    NodeConfig node = options.pick(cluster);
    JsonNode status = AgentCall.call(cluster, node, Map.of("command", "status"));
    if (json) {
      spec.commandLine().getOut().println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(status));
    } else {
      spec.commandLine().getOut().print(StatusTable.render(status));
    }
    spec.commandLine().getOut().flush();
    return StatusTable.allInSync(status) ? ExitCode.OK : ExitCode.BEHIND;
  }
}
