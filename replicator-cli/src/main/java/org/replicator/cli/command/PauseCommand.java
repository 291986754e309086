package org.replicator.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import org.replicator.agent.control.ControlClient;
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
@Command(name = "pause", description = "Stop sending changes to the slaves (they are still planned); undo with replicator resume.")
public final class PauseCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    return toggle(options.load(), spec, true);
  }

  static int toggle(ClusterConfig cluster, CommandSpec spec, boolean pause) throws Exception {
    JsonNode result = ControlClient.call(cluster.stateDirOf(cluster.master()), Map.of("command", pause ? "pause" : "resume"));
    String what = pause ? "paused" : "resumed";
    spec.commandLine().getOut().println(result.path("changed").asBoolean() ? what : "already " + what);
    return ExitCode.OK;
  }
}
