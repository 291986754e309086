package org.replicator.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.config.ClusterConfig;

/** An agent refuses to start on TLS material it could not use, and says which file and what to do. */
class TlsMaterialTest {
  @TempDir Path dir;
  ClusterConfig config;
  Path state;
  TlsFiles files;

  @BeforeEach
  void material() throws Exception {
    config = TestClusters.write(dir);
    ClusterCertificates.createAll(config, dir.resolve("ca"));
    state = dir.resolve("state-s1");
    files = TlsFiles.ofStateDir(state);
  }

  private TlsMaterial load() throws Exception {
    return TlsMaterial.load(state, "s1", config.sourceFile(), Instant.now());
  }

  @Test
  void missingFileNamesItAndTheCommandThatCreatesIt() throws Exception {
    Files.delete(files.nodeKey());
    assertThatThrownBy(this::load).hasMessageContaining("node s1: TLS file " + files.nodeKey() + " is missing")
        .hasMessageContaining("replicator certs --config " + config.sourceFile());
  }

  @Test
  void keyReadableByOthersIsRefused() throws Exception {
    Files.setPosixFilePermissions(files.nodeKey(), PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(this::load).hasMessageContaining("chmod 600 " + files.nodeKey());
  }

  @Test
  void anotherNodesCertificateIsRefused() throws Exception {
    Files.copy(dir.resolve("state-s2/tls/node.crt"), files.nodeCert(), StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(this::load).hasMessageContaining("is the certificate of 's2', this is node s1");
  }

  @Test
  void keyOfAnotherCertificateIsRefused() throws Exception {
    Files.copy(dir.resolve("state-s2/tls/node.key"), files.nodeKey(), StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(this::load).hasMessageContaining(files.nodeKey() + " is not the key of " + files.nodeCert());
  }

  @Test
  void certificateOfAnotherCaIsRefused() throws Exception {
    CertificateAuthority other = CertificateAuthority.create("t", Instant.now());
    Files.writeString(files.caCert(), Pem.certificate(other.certificate()));
    assertThatThrownBy(this::load).hasMessageContaining("was not issued by the CA in " + files.caCert());
  }

  @Test
  void expiredCertificateIsRefused() throws Exception {
    Instant then = Instant.now().minus(CertificateAuthority.NODE_VALIDITY).minusSeconds(7200);
    new ClusterCertificates(config, dir.resolve("ca"), n -> new TlsFiles(dir.resolve("old-" + n.name())), then).createMissing(config.nodes());
    Files.copy(dir.resolve("old-s1/node.crt"), files.nodeCert(), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(dir.resolve("old-s1/node.key"), files.nodeKey(), StandardCopyOption.REPLACE_EXISTING);
    assertThatThrownBy(this::load).hasMessageContaining("expired on").hasMessageContaining("--renew s1");
  }

  @Test
  void goodMaterialLoads() throws Exception {
    TlsMaterial m = load();
    assertThat(CertificateIdentity.nodeName(m.cert())).isEqualTo("s1");
    assertThat(m.trusted()).hasSize(1);
  }
}
