package org.replicator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Every registered command, found through picocli (a command added later is covered without
 * touching this test), answers {@code --help} and {@code -h} on stdout with exit 0 and nothing on
 * stderr, even without its required options, and its help ends with examples of itself.
 */
class HelpTest {

  /** The path of names to every command: [] for replicator itself, [status], ... */
  static Stream<List<String>> commands() {
    List<List<String>> paths = new ArrayList<>();
    collect(Main.commandLine(), new ArrayList<>(), paths);
    return paths.stream();
  }

  private static void collect(CommandLine cl, List<String> path, List<List<String>> into) {
    into.add(List.copyOf(path));
    cl.getSubcommands().forEach((name, sub) -> {
      if (name.equals(sub.getCommandName())) { // aliases lead to the same command
        List<String> next = new ArrayList<>(path);
        next.add(name);
        collect(sub, next, into);
      }
    });
  }

  @ParameterizedTest(name = "replicator {0} --help / -h")
  @MethodSource("commands")
  void helpGoesToStdoutWithExitZeroAndEndsWithExamples(List<String> command) {
    for (String flag : List.of("--help", "-h")) {
      List<String> args = new ArrayList<>(command);
      args.add(flag);
      CliRun r = CliRun.of(args);
      assertThat(r.exit()).as("%s: %s", args, r).isZero();
      assertThat(r.err()).as("stderr of %s", args).isEmpty();
      assertThat(r.out()).as("stdout of %s", args).contains("Usage: replicator");
      String examples = r.out().substring(Math.max(0, r.out().lastIndexOf("Example")));
      assertThat(examples).as("%s ends with examples of itself", args).startsWith("Example")
          .contains(("replicator " + String.join(" ", command)).strip());
    }
  }

  @ParameterizedTest(name = "replicator help {0}")
  @MethodSource("commands")
  void helpCommandPrintsTheSameUsage(List<String> command) {
    if (command.size() != 1) {
      return; // `help` takes one top-level command name
    }
    List<String> args = new ArrayList<>(List.of("help"));
    args.addAll(command);
    CliRun viaHelp = CliRun.of(args);
    assertThat(viaHelp.exit()).as("%s: %s", args, viaHelp).isZero();
    assertThat(viaHelp.err()).isEmpty();
    assertThat(viaHelp.out()).isEqualTo(CliRun.of(List.of(command.get(0), "--help")).out());
  }

  @Test
  void everyCommandNamedByTheArchitectureIsRegistered() {
    assertThat(commands().filter(c -> c.size() == 1).map(c -> c.get(0)))
        .contains("help", "agent", "status", "wait", "verify", "resync", "pause", "resume", "confirm-delete", "reload", "promote", "adopt", "certs", "demo");
  }

  @Test
  void versionAnswersOnStdout() {
    CliRun r = CliRun.of(List.of("status", "--version"));
    assertThat(r.exit()).isZero();
    assertThat(r.out()).startsWith("replicator ").contains("protocol");
  }
}
