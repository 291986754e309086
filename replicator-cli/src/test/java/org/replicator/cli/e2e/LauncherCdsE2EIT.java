package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.cli.e2e.ProcessCluster.CliResult;

/**
 * The launcher's AppCDS archive (bin/replicator, docs/configuration.md): {@code replicator
 * cds-archive} writes one the JVM can map, agents started by the launcher use it, and an archive
 * this JVM cannot use (another JDK build's, or damaged) never stops a start.
 */
class LauncherCdsE2EIT {
  @TempDir Path dir;

  private CliResult launch(Path cds, String extraOpts, String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of("env", "REPLICATOR_CDS_DIR=" + cds, "REPLICATOR_JAVA_EXTRA_OPTS=" + extraOpts,
        ProcessCluster.launcher().toString()));
    cmd.addAll(List.of(args));
    return ProcessCluster.exec(dir, cmd.toArray(String[]::new));
  }

  private static List<Path> archives(Path cds) throws Exception {
    try (Stream<Path> files = Files.list(cds)) {
      return files.toList();
    }
  }

  @Test
  void theArchiveIsWrittenUsedAndAnUnusableOneStartsAsUsual() throws Exception {
    Path cds = dir.resolve("cds");
    CliResult made = launch(cds, "", "cds-archive");
    assertThat(made.exit()).as(made.out() + made.err()).isZero();
    List<Path> written = archives(cds);
    assertThat(written).as("one archive, no temp file left").hasSize(1);
    assertThat(written.get(0).getFileName().toString()).matches("replicator-\\d+\\.jsa");
    // Trained like an agent's start: the agents' classes are in it, the demo's certificate
    // generation (loaded only by its first run) is not; each archived class is resident in every agent.
    String java = System.getenv("JAVA_HOME") != null ? Path.of(System.getenv("JAVA_HOME"), "bin", "java").toString() : "java";
    CliResult listed = ProcessCluster.exec(dir, java, "-XX:SharedArchiveFile=" + written.get(0), "-XX:+PrintSharedArchiveAndExit",
        "-jar", ProcessCluster.launcher().getParent().resolve("../replicator-cli/target/replicator.jar").normalize().toString());
    assertThat(listed.out()).as(listed.err()).contains("org.replicator.agent.master.MasterAgent ", "org.replicator.agent.slave.SlaveAgent ")
        .doesNotContain("org.bouncycastle.cert.X509v3CertificateBuilder ");

    // -Xshare:on makes a JVM that cannot map the launcher's archive exit instead of starting without it.
    CliResult used = launch(cds, "-Xshare:on", "demo", "--dir", dir.resolve("demo1").toString(), "--seconds", "1");
    assertThat(used.exit()).as(used.out() + used.err()).isZero();
    assertThat(used.out()).contains("every slave holds the master's tree: identical");

    Path archive = written.get(0);
    assertThat(archive.toFile().setWritable(true)).isTrue();
    byte[] garbage = new byte[100_000];
    new Random(16).nextBytes(garbage);
    Files.write(archive, garbage);
    // Proof that the launcher hands the archive to the agent's JVM: forced sharing now fails.
    CliResult forced = launch(cds, "-Xshare:on", "demo", "--dir", dir.resolve("demo-forced").toString(), "--seconds", "1");
    assertThat(forced.exit()).as("a demo forced to map a damaged archive").isNotZero();
    CliResult ordinary = launch(cds, "", "demo", "--dir", dir.resolve("demo2").toString(), "--seconds", "1");
    assertThat(ordinary.exit()).as(ordinary.out() + ordinary.err()).isZero();
    assertThat(ordinary.out()).contains("every slave holds the master's tree: identical");
  }
}
