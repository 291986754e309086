package org.replicator.cli.command;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code replicator resume}: end a pause; slaves get what changed meanwhile (queued, or by diff). */
@Command(name = "resume", description = "Resume sending changes after replicator pause.",
    footer = {"", "Exit status: 0 resumed (or was not paused), 2 usage, 3 no agent answers.", "",
        "Example:", "  replicator resume --config /etc/replicator/cluster.yaml"})
public final class ResumeCommand implements Callable<Integer>, ControlCommand {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    return PauseCommand.toggle(options, spec, false);
  }
}
