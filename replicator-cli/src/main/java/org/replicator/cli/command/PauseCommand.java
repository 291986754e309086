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

/**
 * {@code replicator pause}: maintenance. The master keeps watching and planning every change but
 * sends nothing until {@code replicator resume}; the pause survives an agent restart.
 */
@Command(name = "pause", description = "Stop sending changes to the slaves (they are still planned); undo with replicator resume.",
    footer = {"", "Exit status: 0 paused (or already), 2 usage, 3 no agent answers.", "",
        "Example:", "  replicator pause --config /etc/replicator/cluster.yaml"})
public final class PauseCommand implements Callable<Integer>, ControlCommand {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    return toggle(options, spec, true);
  }

  static int toggle(ConfigOptions options, CommandSpec spec, boolean pause) throws Exception {
    ClusterConfig cluster = options.load();
    String command = pause ? "pause" : "resume";
    JsonNode result = AgentCall.call(cluster, options.master(cluster, command), Map.of("command", command));
    String what = pause ? "paused" : "resumed";
    spec.commandLine().getOut().println(result.path("changed").asBoolean() ? what : "already " + what);
    return ExitCode.OK;
  }
}
