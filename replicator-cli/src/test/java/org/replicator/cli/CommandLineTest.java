package org.replicator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Bad command lines: exit 2 with a message that says what to fix, and no stack trace. */
class CommandLineTest {
  @TempDir Path dir;


  private Path cluster() throws Exception {
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(file, "cluster: t\ndocroot: " + dir.resolve("www") + "\nnodes:\n"
        + "  - {name: m, role: master, host: 127.0.0.1, port: 47101, state_dir: " + dir.resolve("st-m") + "}\n"
        + "  - {name: s, role: slave, host: 127.0.0.2, port: 47102, state_dir: " + dir.resolve("st-s") + "}\n");
    return file;
  }

  @Test
  void agentWithoutNodeNamesTheNodesItCouldBe() throws Exception {
    CliRun r = CliRun.of("agent", "--config", cluster().toString());
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("--node NAME is required (one of [m, s])").doesNotContain("Exception");
  }

  @Test
  void unknownNodeListsTheKnownOnes() throws Exception {
    CliRun r = CliRun.of("adopt", "--config", cluster().toString(), "--node", "nope");
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("no node named 'nope'").contains("m, s");
  }

  @Test
  void nonPositiveTimeoutIsAUsageError() throws Exception {
    CliRun r = CliRun.of("wait", "--config", cluster().toString(), "--timeout", "-1");
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("--timeout must be positive");
  }

  @Test
  void missingClusterFileIsAUsageErrorNamingIt() {
    CliRun r = CliRun.of("status", "--config", dir.resolve("absent.yaml").toString());
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("absent.yaml");
  }

  @Test
  void statusWithNoAgentRunningIsUnreachable() throws Exception {
    CliRun r = CliRun.of("status", "--config", cluster().toString());
    assertThat(r.exit()).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(r.err()).contains("control.sock");
  }

  @Test
  void configDefaultsToTheInstalledClusterFile() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("REPLICATOR_CONFIG") == null, "REPLICATOR_CONFIG is set");
    CommandLine cl = Main.commandLine();
    cl.parseArgs("status");
    Object config = cl.getSubcommands().get("status").getCommandSpec().findOption("--config").getValue();
    assertThat(config).isEqualTo(Path.of("/etc/replicator/cluster.yaml"));
  }

  @Test
  void unknownOptionIsAUsageError() {
    assertThat(CliRun.of("status", "--colour").exit()).isEqualTo(ExitCode.USAGE);
  }
}
