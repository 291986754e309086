package org.replicator.cli.command;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code replicator resync}: compares each slave's tree with the master's and sends exactly the
 * differences (files edited, truncated, added or deleted on the slave, wrong metadata), with
 * progress, then a summary. {@code --dry-run} is {@code verify}. Excluded paths are never
 * compared or touched. Exits 0 when every slave ends identical, 1 otherwise.
 */
@Command(name = "resync", description = {"Repair the slaves: compare trees with the master's and transfer only the differences.",
    "Progress goes to stderr; interrupting the command before the transfer starts cancels it in the agent."},
    footer = {"", "Exit status: 0 every slave identical or repaired, 1 differences left or paths failed, 2 usage, 3 no agent answers.", "",
        "Examples:", "  replicator resync --config /etc/replicator/cluster.yaml --slave web2",
        "  replicator resync --config /etc/replicator/cluster.yaml --dry-run"})
public final class ResyncCommand implements Callable<Integer>, ControlCommand {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--slave", paramLabel = "NAME", description = "Only this slave (default: all).")
  String slave;

  @Option(names = "--dry-run", description = "List what would be transferred; change nothing (same as verify).")
  boolean dryRun;

  @Override
  public Integer call() throws Exception {
    return new TreeCheckCommand(options, "resync", spec.commandLine().getOut(), spec.commandLine().getErr(), System.console() != null)
        .run(dryRun ? "verify" : "resync", slave);
  }
}
