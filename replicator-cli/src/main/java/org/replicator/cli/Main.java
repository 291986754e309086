package org.replicator.cli;

import org.replicator.cli.command.AdoptCommand;
import org.replicator.cli.command.PromoteCommand;
import org.replicator.cli.command.AgentCommand;
import org.replicator.cli.command.CertsCommand;
import org.replicator.cli.command.ConfirmDeleteCommand;
import org.replicator.cli.command.DemoCommand;
import org.replicator.cli.command.GenerateCommand;
import org.replicator.cli.command.ImportLsyncdCommand;
import org.replicator.cli.command.PauseCommand;
import org.replicator.cli.command.ReloadCommand;
import org.replicator.cli.command.ResumeCommand;
import org.replicator.cli.command.ResyncCommand;
import org.replicator.cli.command.StatusCommand;
import org.replicator.cli.command.VerifyCommand;
import org.replicator.cli.command.WaitCommand;
import org.replicator.core.wire.Protocol;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Entry point of {@code bin/replicator}; the only place that calls {@code System.exit}, and the
 * only place where a failure becomes an exit code ({@link Failures}).
 *
 * <p>{@code scope = INHERIT} gives every subcommand, present and future, {@code -h/--help} and
 * {@code -V/--version}; {@code -v/--verbose} is an inherited option, so it is accepted before or
 * after the subcommand's name.
 */
@Command(
    name = "replicator",
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Replicates a WordPress docroot from one master to N slaves.",
    footer = {"", "Examples:", "  replicator status --config /etc/replicator/cluster.yaml", "  replicator help wait"},
    subcommands = {HelpCommand.class, AgentCommand.class, StatusCommand.class, WaitCommand.class, VerifyCommand.class,
        ResyncCommand.class, PauseCommand.class, ResumeCommand.class, ConfirmDeleteCommand.class, ReloadCommand.class, PromoteCommand.class,
        AdoptCommand.class, CertsCommand.class, GenerateCommand.class, ImportLsyncdCommand.class, DemoCommand.class})
public final class Main {
  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
      description = "On an error, also print its Java type and stack trace (for a bug report).")
  boolean verbose;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("replicator: " + Failures.describe(ex));
      if (verbose(parseResult)) {
        ex.printStackTrace(commandLine.getErr());
      }
      commandLine.getErr().flush();
      return Failures.exitCode(ex);
    });
    // A command line picocli cannot parse: the reason and where to read more, not the whole usage.
    cl.setParameterExceptionHandler((ex, args) -> {
      CommandLine c = ex.getCommandLine();
      PrintWriter err = c.getErr();
      err.println("replicator: " + ex.getMessage());
      UnmatchedArgumentException.printSuggestions(ex, err);
      err.println("Try '" + c.getCommandSpec().qualifiedName() + " --help' for more information.");
      err.flush();
      return ExitCode.USAGE;
    });
    return cl;
  }

  /** True when {@code -v/--verbose} was given anywhere on the command line. */
  private static boolean verbose(ParseResult result) {
    for (ParseResult r = result; r != null; r = r.hasSubcommand() ? r.subcommand() : null) {
      if (r.hasMatchedOption("--verbose")) {
        return true;
      }
    }
    return false;
  }

  /** Version from the jar manifest, or "dev" when run from classes. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"replicator " + (v == null ? "dev" : v) + ", protocol " + Protocol.MAJOR + "." + Protocol.MINOR};
    }
  }
}
