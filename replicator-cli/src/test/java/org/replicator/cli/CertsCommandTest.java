package org.replicator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code replicator certs}: creates what is missing, keeps what exists, renews one node, exits 0/1/2. */
class CertsCommandTest {
  @TempDir Path dir;


  private String cluster() throws Exception {
    Path file = dir.resolve("etc/cluster.yaml");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "cluster: t\ndocroot: " + dir.resolve("www") + "\nnodes:\n"
        + "  - {name: m, role: master, host: 127.0.0.1, port: 47101, state_dir: " + dir.resolve("st-m") + "}\n"
        + "  - {name: s, role: slave, host: 127.0.0.2, port: 47102, state_dir: " + dir.resolve("st-s") + "}\n");
    return file.toString();
  }

  @Test
  void createsWhatIsMissingNextToTheClusterFileAndKeepsItOnASecondRun() throws Exception {
    String config = cluster();
    CliRun first = CliRun.of("certs", "--config", config);
    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(first.out()).contains(dir.resolve("etc/ca/ca.crt") + " sha256=").contains("m: issued").contains("s: issued");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("etc/ca/ca.key")))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("st-s/tls/node.key")))).isEqualTo("rw-------");
    String cert = Files.readString(dir.resolve("st-s/tls/node.crt"));

    CliRun second = CliRun.of("certs", "--config", config);
    assertThat(second.exit()).isZero();
    assertThat(second.out()).doesNotContain("issued").contains("(kept)");
    assertThat(Files.readString(dir.resolve("st-s/tls/node.crt"))).isEqualTo(cert);

    CliRun renew = CliRun.of("certs", "--config", config, "--renew", "s");
    assertThat(renew.exit()).as(renew.err()).isZero();
    assertThat(renew.out()).contains("s: renewed");
    assertThat(Files.readString(dir.resolve("st-s/tls/node.crt"))).isNotEqualTo(cert);
  }

  @Test
  void outWritesEachNodesFilesForCopyingAndNothingIntoStateDirs() throws Exception {
    CliRun r = CliRun.of("certs", "--config", cluster(), "--ca-dir", dir.resolve("admin-ca").toString(), "--out", dir.resolve("out").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    for (String node : new String[] {"m", "s"}) {
      assertThat(dir.resolve("out").resolve(node).resolve("node.key")).exists();
      assertThat(dir.resolve("out").resolve(node).resolve("ca.crt")).exists();
    }
    assertThat(dir.resolve("st-s")).doesNotExist();
    assertThat(dir.resolve("admin-ca/ca.key")).exists();
  }

  @Test
  void aCaDirWithoutTheCaTheNodesTrustIsAUsageError() throws Exception {
    String config = cluster();
    assertThat(CliRun.of("certs", "--config", config).exit()).isZero();
    CliRun r = CliRun.of("certs", "--config", config, "--ca-dir", dir.resolve("elsewhere").toString());
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("already trusts one").contains("--ca-dir").doesNotContain("Exception");
  }

  @Test
  void materialNeedingAnOperatorExitsOneAndSaysWhatToRun() throws Exception {
    String config = cluster();
    assertThat(CliRun.of("certs", "--config", config).exit()).isZero();
    Files.delete(dir.resolve("st-s/tls/node.key"));
    CliRun r = CliRun.of("certs", "--config", config);
    assertThat(r.exit()).isEqualTo(ExitCode.BEHIND);
    assertThat(r.err()).contains("s: ").contains("replicator certs --renew s");
  }

  @Test
  void renewOfAnUnknownNodeIsAUsageError() throws Exception {
    String config = cluster();
    assertThat(CliRun.of("certs", "--config", config).exit()).isZero();
    CliRun r = CliRun.of("certs", "--config", config, "--renew", "nope");
    assertThat(r.exit()).isEqualTo(ExitCode.USAGE);
    assertThat(r.err()).contains("no node named 'nope'");
  }
}
