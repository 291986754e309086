package org.replicator.cli;

import org.replicator.cli.command.AdoptCommand;
import org.replicator.cli.command.AgentCommand;
import org.replicator.cli.command.CertsCommand;
import org.replicator.cli.command.ConfirmDeleteCommand;
import org.replicator.cli.command.DemoCommand;
import org.replicator.cli.command.GenerateCommand;
import org.replicator.cli.command.PauseCommand;
import org.replicator.cli.command.ReloadCommand;
import org.replicator.cli.command.ResumeCommand;
import org.replicator.cli.command.ResyncCommand;
import org.replicator.cli.command.StatusCommand;
import org.replicator.cli.command.VerifyCommand;
import org.replicator.cli.command.WaitCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/replicator}; the only place that calls {@code System.exit}. */
@Command(
    name = "replicator",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Replicates a WordPress docroot from one master to N slaves.",
    subcommands = {AgentCommand.class, StatusCommand.class, WaitCommand.class, VerifyCommand.class, ResyncCommand.class,
        PauseCommand.class, ResumeCommand.class, ConfirmDeleteCommand.class, ReloadCommand.class, AdoptCommand.class, CertsCommand.class,
        GenerateCommand.class, DemoCommand.class})
public final class Main {
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    // The one place where failures become messages and exit codes (docs/operations.md).
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("replicator: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      if (Boolean.getBoolean("replicator.verbose")) {
        ex.printStackTrace(commandLine.getErr());
      }
      if (ex instanceof org.replicator.core.config.ConfigException || ex instanceof UsageException) {
        return ExitCode.USAGE;
      }
      return ex instanceof org.replicator.agent.control.ControlClient.UnreachableException ? ExitCode.UNREACHABLE : ExitCode.BEHIND;
    });
    return cl;
  }

  /** A command line that parses but cannot be acted on (exit 2). */
  public static final class UsageException extends Exception {
    public UsageException(String message) {
      super(message);
    }
  }

  /** Version from the jar manifest, or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"replicator " + (v == null ? "dev" : v) + ", protocol " + org.replicator.core.wire.Protocol.MAJOR + "." + org.replicator.core.wire.Protocol.MINOR};
    }
  }
}
