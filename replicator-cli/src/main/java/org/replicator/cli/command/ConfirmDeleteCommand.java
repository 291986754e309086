package org.replicator.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import org.replicator.cli.ExitCode;
import org.replicator.core.config.ClusterConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code replicator confirm-delete}: release a batch held by the mass-delete rule. */
@Command(name = "confirm-delete", description = "Send the batch held by the mass-delete rule (see replicator status).",
    footer = {"", "Exit status: 0 released, 1 no batch was held, 2 usage, 3 no agent answers.", "",
        "Example:", "  replicator confirm-delete --config /etc/replicator/cluster.yaml"})
public final class ConfirmDeleteCommand implements Callable<Integer>, ControlCommand {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    ClusterConfig cluster = options.load();
    JsonNode result = AgentCall.call(cluster, options.master(cluster, "confirm-delete"), Map.of("command", "confirm-delete"));
    if (result.path("released").asBoolean(false)) {
      spec.commandLine().getOut().println("released batch " + result.path("seq").asLong());
      return ExitCode.OK;
    }
    spec.commandLine().getOut().println("no batch is held");
    return ExitCode.BEHIND;
  }
}
