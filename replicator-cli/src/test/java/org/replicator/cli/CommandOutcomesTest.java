package org.replicator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.replicator.cli.command.ControlCommand;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * One exit code per outcome, for every command (docs/operations.md, "Exit codes"): a table of
 * every registered command (found through picocli, so a new one is covered) × {no agent, an agent
 * starting, an agent killed, a bad cluster file, an unknown node}. Where the situation applies to
 * the command, the outcome is the documented code and one clean sentence on stderr: no Java type
 * name, no stack trace, nothing on stdout. The case of an agent that comes up while {@code wait}
 * waits for it, with real agents: {@code WaitForStartingAgentIT}.
 */
class CommandOutcomesTest {
  /** A fully qualified Java name, or a simple name ending like an exception type. */
  private static final Pattern JAVA_NAME = Pattern.compile("\\b[a-z]+(\\.[a-z0-9_]+)+\\.[A-Z]\\w*|\\b[A-Z]\\w*(Exception|Error)\\b");

  @TempDir Path dir;

  enum Situation {
    /** Nothing ever ran: no state dir, no socket. */
    AGENT_ABSENT,
    /** The state dir exists, the control socket not yet (the agent is inside its start). */
    AGENT_STARTING,
    /** A control socket file nobody listens on (an agent killed by SIGKILL, or restarting). */
    AGENT_KILLED,
    /** The cluster file has an unknown key on line 2. */
    BAD_CONFIG,
    /** --node names no node of the file. */
    UNKNOWN_NODE
  }

  static Stream<Arguments> table() {
    List<Arguments> rows = new ArrayList<>();
    Main.commandLine().getSubcommands().forEach((name, sub) -> {
      if (!name.equals(sub.getCommandName()) || name.equals("help")) {
        return;
      }
      for (Situation s : Situation.values()) {
        rows.add(Arguments.of(name, s));
      }
    });
    return rows.stream();
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("table")
  void everyCommandGivesTheDocumentedOutcome(String name, Situation situation) throws Exception {
    CommandLine command = Main.commandLine().getSubcommands().get(name);
    CommandSpec spec = command.getCommandSpec();
    boolean asksAnAgent = command.getCommand() instanceof ControlCommand;
    Path cluster = cluster();
    Path stateDir = dir.resolve("st-m");
    List<String> args = new ArrayList<>(List.of(name));
    switch (situation) {
      case AGENT_ABSENT, AGENT_STARTING, AGENT_KILLED -> {
        if (!asksAnAgent) {
          return; // agent, adopt, certs, demo act on their own; they never ask an agent
        }
        if (situation != Situation.AGENT_ABSENT) {
          Files.createDirectories(stateDir);
        }
        if (situation == Situation.AGENT_KILLED) {
          staleSocket(stateDir.resolve("control.sock"));
        }
        args.addAll(List.of("--config", cluster.toString()));
      }
      case BAD_CONFIG -> {
        if (spec.findOption("--config") == null) {
          return;
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(cluster));
        lines.add(1, "colour: blue");
        Path broken = Files.write(dir.resolve("broken.yaml"), lines);
        args.addAll(List.of("--config", broken.toString()));
        if (spec.findOption("--node") != null) {
          args.addAll(List.of("--node", "m")); // so that only the file is wrong
        }
      }
      case UNKNOWN_NODE -> {
        if (spec.findOption("--node") == null) {
          return;
        }
        args.addAll(List.of("--config", cluster.toString(), "--node", "nope"));
      }
    }
    if (name.equals("wait")) {
      args.addAll(List.of("--timeout", "0.3")); // it keeps asking an agent that does not answer until then
    }
    fillOtherRequiredOptions(spec, args);

    CliRun r = CliRun.of(args);

    assertThat(r.out()).as("stdout of %s", args).isEmpty();
    assertThat(r.err()).as("stderr of %s", args).startsWith("replicator: ").doesNotContain("\tat ");
    assertThat(JAVA_NAME.matcher(r.err()).find()).as("a Java name on stderr of %s: %s", args, r.err()).isFalse();
    switch (situation) {
      case AGENT_ABSENT, AGENT_STARTING, AGENT_KILLED -> {
        assertThat(r.exit()).as("%s: %s", args, r).isEqualTo(ExitCode.UNREACHABLE);
        String lastLine = r.err().strip().lines().reduce((a, b) -> b).orElseThrow();
        assertThat(lastLine).startsWith("replicator: no agent answers for node m: ")
            .contains(stateDir.resolve("control.sock").toString())
            .endsWith("; see systemctl status replicator@m");
        if (name.equals("wait")) {
          assertThat(r.err()).contains("waiting up to 0.3 s for the agent of m to answer");
        }
        if (situation == Situation.AGENT_KILLED) {
          assertThat(lastLine).contains("nothing listens");
        } else {
          assertThat(lastLine).contains("does not exist (the agent is not running, or still starting)");
        }
      }
      case BAD_CONFIG -> {
        assertThat(r.exit()).as("%s: %s", args, r).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("broken.yaml:2: colour");
      }
      case UNKNOWN_NODE -> {
        assertThat(r.exit()).as("%s: %s", args, r).isEqualTo(ExitCode.USAGE);
        assertThat(r.err()).contains("no node named 'nope'").contains("m, s");
      }
    }
  }

  @Test
  void theCommandsThatAskAnAgentAreKnown() {
    List<String> asking = new ArrayList<>();
    Main.commandLine().getSubcommands().forEach((name, sub) -> {
      if (sub.getCommand() instanceof ControlCommand) {
        asking.add(name);
      }
    });
    assertThat(asking).contains("status", "wait", "verify", "resync", "pause", "resume", "confirm-delete", "reload", "promote")
        .doesNotContain("agent", "adopt", "certs", "demo");
  }

  @Test
  void verboseOnTheCommandLineAddsTheStackTrace() throws Exception {
    String config = cluster().toString();
    for (List<String> args : List.of(List.of("status", "--config", config, "--verbose"), List.of("-v", "status", "--config", config))) {
      CliRun r = CliRun.of(args);
      assertThat(r.exit()).as("%s", args).isEqualTo(ExitCode.UNREACHABLE);
      assertThat(r.err()).as("%s", args).startsWith("replicator: no agent answers for node m").contains("UnreachableException", "\tat ");
    }
  }

  @Test
  void masterOnlyRequestsRefuseASlaveNode() throws Exception {
    for (String name : List.of("wait", "verify", "resync", "pause", "resume", "confirm-delete")) {
      CliRun r = CliRun.of(List.of(name, "--config", cluster().toString(), "--node", "s"));
      assertThat(r.exit()).as("%s --node s: %s", name, r).isEqualTo(ExitCode.USAGE);
      assertThat(r.err()).contains("answered by the master's agent (m); --node s is a slave");
    }
  }

  @Test
  void aParseErrorSaysWhereToReadMore() {
    CliRun r = CliRun.of(List.of("status", "--config", "c.yaml", "--colour"));
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).startsWith("replicator: Unknown option: '--colour'").contains("Try 'replicator status --help'");
    assertThat(r.out()).isEmpty();
  }

  private Path cluster() throws Exception {
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(file, "cluster: t\ndocroot: " + dir.resolve("www") + "\nnodes:\n"
        + "  - {name: m, role: master, host: 127.0.0.1, port: 47101, state_dir: " + dir.resolve("st-m") + "}\n"
        + "  - {name: s, role: slave, host: 127.0.0.2, port: 47102, state_dir: " + dir.resolve("st-s") + "}\n");
    return file;
  }

  /** What a killed agent leaves: the socket file, with nothing listening. */
  private static void staleSocket(Path socket) throws Exception {
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(socket));
    }
    assertThat(socket).exists();
  }

  /** A command added later may require more options: give each a harmless value, and a node name to a required NODE. */
  private void fillOtherRequiredOptions(CommandSpec spec, List<String> args) {
    spec.positionalParameters().stream().filter(p -> p.required() && p.paramLabel().equals("NODE")).forEach(p -> args.add("m"));
    for (OptionSpec option : spec.options()) {
      if (option.required() && !args.contains(option.longestName()) && !args.contains(option.shortestName())) {
        args.add(option.longestName());
        args.add(dir.resolve("value-of" + option.longestName()).toString());
      }
    }
  }

}
