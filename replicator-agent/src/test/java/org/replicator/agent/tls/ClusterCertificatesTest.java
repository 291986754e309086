package org.replicator.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.config.ClusterConfig;

/** What {@code replicator certs} creates, keeps, refuses and renews. */
class ClusterCertificatesTest {
  @TempDir Path dir;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void createsTheCaAndEveryNodesMaterialWithPrivatePermissions() throws Exception {
    ClusterConfig config = TestClusters.write(dir);
    ClusterCertificates.Report report = ClusterCertificates.createAll(config, dir.resolve("ca"));

    assertThat(report.problems()).isEmpty();
    assertThat(mode(dir.resolve("ca"))).isEqualTo("rwx------");
    assertThat(mode(dir.resolve("ca/ca.key"))).isEqualTo("rw-------");
    CertificateAuthority ca = CertificateAuthority.load(new TlsFiles(dir.resolve("ca")));
    for (String node : new String[] {"m", "s1", "s2"}) {
      TlsFiles files = TlsFiles.ofStateDir(dir.resolve("state-" + node));
      assertThat(mode(files.dir().getParent())).as("state_dir of %s", node).isEqualTo("rwx------");
      assertThat(mode(files.dir())).isEqualTo("rwx------");
      assertThat(mode(files.nodeKey())).isEqualTo("rw-------");
      assertThat(mode(files.nodeCert())).isEqualTo("rw-r--r--");
      assertThat(files.dir().resolve("ca.key")).as("the CA key never goes to a node").doesNotExist();
      X509Certificate cert = Pem.readCertificate(files.nodeCert());
      assertThat(CertificateIdentity.nodeName(cert)).isEqualTo(node);
      assertThat(ca.issued(cert)).isTrue();
      assertThat(cert.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
      assertThat(Pem.readCertificates(files.caCert())).containsExactly(ca.certificate());
      assertThat(TlsMaterial.load(files.dir().getParent(), node, config.sourceFile(), Instant.now()).cert()).isEqualTo(cert);
    }
    assertThat(String.join("\n", report.lines())).contains("created").contains("m: issued").contains("s2: issued");
  }

  @Test
  void aSecondRunKeepsEverything() throws Exception {
    ClusterConfig config = TestClusters.write(dir);
    ClusterCertificates.createAll(config, dir.resolve("ca"));
    Path cert = dir.resolve("state-s1/tls/node.crt");
    String before = Files.readString(cert);
    String caBefore = Files.readString(dir.resolve("ca/ca.key"));

    ClusterCertificates.Report again = ClusterCertificates.createAll(config, dir.resolve("ca"));

    assertThat(again.problems()).isEmpty();
    assertThat(again.lines()).allMatch(l -> l.contains("(kept)"));
    assertThat(Files.readString(cert)).isEqualTo(before);
    assertThat(Files.readString(dir.resolve("ca/ca.key"))).isEqualTo(caBefore);
  }

  @Test
  void renewReplacesOneNodesKeyAndCertificateAndKeepsTheOldOnes() throws Exception {
    ClusterConfig config = TestClusters.write(dir);
    ClusterCertificates.createAll(config, dir.resolve("ca"));
    TlsFiles s1 = TlsFiles.ofStateDir(dir.resolve("state-s1"));
    String oldCert = Files.readString(s1.nodeCert());
    String oldKey = Files.readString(s1.nodeKey());
    String otherNode = Files.readString(dir.resolve("state-s2/tls/node.crt"));

    ClusterCertificates.Report report =
        new ClusterCertificates(config, dir.resolve("ca"), ClusterCertificates.inStateDirs(config), Instant.now()).renew(config.node("s1"));

    assertThat(report.lines()).singleElement().asString().contains("s1: renewed").contains("restart the agent of s1");
    assertThat(Files.readString(s1.nodeCert())).isNotEqualTo(oldCert);
    assertThat(Files.readString(s1.nodeKey())).isNotEqualTo(oldKey);
    assertThat(Files.readString(s1.dir().resolve("node.crt.old"))).isEqualTo(oldCert);
    assertThat(mode(s1.nodeKey())).isEqualTo("rw-------");
    assertThat(mode(s1.dir().resolve("node.key.old"))).isEqualTo("rw-------");
    assertThat(Files.readString(dir.resolve("state-s2/tls/node.crt"))).isEqualTo(otherNode);
    assertThat(TlsMaterial.load(dir.resolve("state-s1"), "s1", config.sourceFile(), Instant.now())).isNotNull();
  }

  @Test
  void aMissingCaIsNotRecreatedOverNodesThatTrustAnother() throws Exception {
    ClusterConfig config = TestClusters.write(dir);
    ClusterCertificates.createAll(config, dir.resolve("ca"));

    assertThatThrownBy(() -> ClusterCertificates.createAll(config, dir.resolve("elsewhere")))
        .isInstanceOf(ClusterCertificates.SetupException.class)
        .hasMessageContaining("no CA in " + dir.resolve("elsewhere"))
        .hasMessageContaining("node m already trusts one")
        .hasMessageContaining("--ca-dir");
    assertThat(dir.resolve("elsewhere/ca.key")).doesNotExist();
  }

  @Test
  void materialFromAnotherCaOrAnotherNodeIsReportedNotReplaced() throws Exception {
    ClusterConfig config = TestClusters.write(dir);
    ClusterCertificates.createAll(config, dir.resolve("ca"));
    Path s1 = dir.resolve("state-s1/tls/node.crt");
    Files.copy(dir.resolve("state-s2/tls/node.crt"), s1, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.delete(dir.resolve("state-s2/tls/node.key"));

    ClusterCertificates.Report report = ClusterCertificates.createAll(config, dir.resolve("ca"));

    assertThat(report.problems()).hasSize(2);
    assertThat(report.problems().get(0)).contains("s1:").contains("certificate of 's2'").contains("--renew s1");
    assertThat(report.problems().get(1)).contains("s2:").contains("exists without node.key").contains("--renew s2");
  }

  @Test
  void aNodeCertificateCloseToItsEndIsReported() throws Exception {
    ClusterConfig config = TestClusters.write(dir);
    Instant longAgo = Instant.now().minus(CertificateAuthority.NODE_VALIDITY).plus(java.time.Duration.ofDays(3));
    new ClusterCertificates(config, dir.resolve("ca"), ClusterCertificates.inStateDirs(config), longAgo).createMissing(config.nodes());

    ClusterCertificates.Report report = ClusterCertificates.createAll(config, dir.resolve("ca"));

    assertThat(report.problems()).hasSize(3).allMatch(p -> p.contains("expires on") && p.contains("--renew"));
  }

  @Test
  void privateFilesAreNeverOverwritten() throws Exception {
    Path file = dir.resolve("x.key");
    PrivateFiles.createNew(file, "one", PrivateFiles.KEY_MODE);
    assertThatThrownBy(() -> PrivateFiles.createNew(file, "two", PrivateFiles.KEY_MODE))
        .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
    assertThat(Files.readString(file)).isEqualTo("one");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("x.key");
    }
  }
}
