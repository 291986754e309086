package org.replicator.cli.command;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code replicator verify}: compares each slave's tree with the master's at the same batch and
 * lists every difference, changing nothing. Exits 0 when every slave is identical, 1 otherwise.
 */
@Command(name = "verify", description = {"Compare the slaves' trees with the master's and list the differences; change nothing.",
    "Progress goes to stderr; interrupting the command cancels the comparison in the agent."},
    footer = {"", "Exit status: 0 every slave identical, 1 differences (or a slave did not answer), 2 usage, 3 no agent answers.", "",
        "Examples:", "  replicator verify --config /etc/replicator/cluster.yaml",
        "  replicator verify --config /etc/replicator/cluster.yaml --slave web2"})
public final class VerifyCommand implements Callable<Integer>, ControlCommand {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--slave", paramLabel = "NAME", description = "Only this slave (default: all).")
  String slave;

  @Override
  public Integer call() throws Exception {
    return new TreeCheckCommand(options, "verify", spec.commandLine().getOut(), spec.commandLine().getErr(), System.console() != null)
        .run("verify", slave);
  }
}
