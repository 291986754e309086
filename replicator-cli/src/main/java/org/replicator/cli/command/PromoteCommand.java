package org.replicator.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.replicator.cli.ExitCode;
import org.replicator.cli.UsageException;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code replicator promote NODE}: NODE becomes master at the next epoch. Run on NODE's host (the
 * request goes to NODE's agent). Planned (the master is alive and connected to NODE): the master
 * stops sending, drains what it journaled to the slaves, hands over and rejoins as a slave of NODE.
 * {@code --force} (the master is dead or cut off): NODE takes over at once; what the old master
 * changed after NODE's last applied batch is not on NODE, and the old master keeps it aside when it
 * returns (docs/operations.md, "Failover").
 */
@Command(name = "promote", description = "Make a node the master (a new epoch): planned handover, or --force when the master is dead.",
    footer = {"", "Run it on NODE's host. Exit status: 0 promoted, 1 refused by the agent (already master, no master connected for a",
        "planned handover, or the handover did not finish; nothing changed), 2 usage or unknown node, 3 no agent answers for NODE.", "",
        "Examples:", "  replicator promote --config /etc/replicator/cluster.yaml web2",
        "  replicator promote --config /etc/replicator/cluster.yaml web2 --force"})
public final class PromoteCommand implements Callable<Integer>, ControlCommand {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "1", paramLabel = "NODE", description = "The node to promote (its agent must run on this host).")
  String target;

  @Option(names = "--force", description = "Promote without the old master (dead or unreachable): changes it made after NODE's last"
      + " applied batch are not carried over; it keeps them aside when it returns.")
  boolean force;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
      description = "How long a planned handover may take to drain the master's changes (default: ${DEFAULT-VALUE}).")
  double timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    ClusterConfig cluster = options.load(); // an invalid file stops here, naming file, line and key
    if (target == null && options.node == null) {
      throw new UsageException("name the node to promote: replicator promote --config FILE NODE");
    }
    if (target != null && options.node != null && !target.equals(options.node)) {
      cluster.node(options.node); // an unknown name is the clearer error
      throw new UsageException("NODE '" + target + "' and --node '" + options.node + "' differ: give the node once");
    }
    NodeConfig node = cluster.node(target != null ? target : options.node);
    if (timeoutSeconds <= 0) {
      throw new UsageException("--timeout must be more than 0 seconds");
    }
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("command", "promote");
    request.put("force", force);
    request.put("timeoutMillis", (long) (timeoutSeconds * 1000));
    JsonNode result = AgentCall.call(cluster, node, request);
    PrintWriter out = spec.commandLine().getOut();
    out.println("promoted " + node.name() + ": master at epoch " + result.path("epoch").asLong() + " (was " + result.path("previousMaster").asText()
        + " at epoch " + result.path("previousEpoch").asLong() + ")");
    if (result.hasNonNull("mayLose")) {
      out.println("may lose: " + result.path("mayLose").asText());
    }
    if (result.hasNonNull("handover")) {
      out.println(result.path("handover").asText());
    }
    out.flush();
    return ExitCode.OK;
  }
}
