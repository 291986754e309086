package org.replicator.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The handshake's identity check, without sockets: who is accepted, and what a refusal says. */
class PeerVerifierTest {
  CertificateAuthority ca;
  PeerVerifier slaveSide;

  @BeforeEach
  void cluster() throws Exception {
    ca = CertificateAuthority.create("t", Instant.now());
    slaveSide = new PeerVerifier(List.of(ca.certificate()), "m", "the master");
  }

  private X509Certificate[] chain(CertificateAuthority issuer, String node, Instant notBefore, Instant notAfter) throws Exception {
    KeyPair pair = CertificateAuthority.newKeyPair();
    return new X509Certificate[] {issuer.issue("t", node, pair.getPublic(), notBefore, notAfter)};
  }

  private X509Certificate[] valid(CertificateAuthority issuer, String node) throws Exception {
    return chain(issuer, node, Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1)));
  }

  @Test
  void theExpectedNodeUnderTheClusterCaIsAccepted() throws Exception {
    slaveSide.checkClientTrusted(valid(ca, "m"), "UNKNOWN");
    new PeerVerifier(List.of(ca.certificate()), "s1", "slave").checkServerTrusted(valid(ca, "s1"), "UNKNOWN");
  }

  @Test
  void aSlaveCertificateCannotActAsTheMaster() throws Exception {
    X509Certificate[] slave = valid(ca, "s1");
    assertThatThrownBy(() -> slaveSide.checkClientTrusted(slave, "UNKNOWN"))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("sha256=" + CertificateIdentity.fingerprint(slave[0]))
        .hasMessageContaining("belongs to node 's1', but only the master 'm' may connect here");
  }

  @Test
  void theMasterAcceptsOnlyTheSlaveItDialled() throws Exception {
    PeerVerifier dialToS1 = new PeerVerifier(List.of(ca.certificate()), "s1", "slave");
    assertThatThrownBy(() -> dialToS1.checkServerTrusted(valid(ca, "s2"), "UNKNOWN"))
        .hasMessageContaining("belongs to node 's2', but only slave 's1'");
  }

  @Test
  void aCertificateOfAnotherCaIsRejectedEvenWithTheRightName() throws Exception {
    CertificateAuthority stranger = CertificateAuthority.create("t", Instant.now());
    X509Certificate[] forged = valid(stranger, "m");
    assertThatThrownBy(() -> slaveSide.checkClientTrusted(forged, "UNKNOWN"))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessageContaining("sha256=" + CertificateIdentity.fingerprint(forged[0]))
        .hasMessageContaining("not issued by this cluster's CA");
  }

  @Test
  void anExpiredCertificateIsRejected() throws Exception {
    X509Certificate[] old = chain(ca, "m", Instant.now().minus(Duration.ofDays(10)), Instant.now().minus(Duration.ofDays(1)));
    assertThatThrownBy(() -> slaveSide.checkClientTrusted(old, "UNKNOWN"))
        .hasMessageContaining("expired on " + old[0].getNotAfter().toInstant())
        .hasMessageContaining("sha256=");
  }

  @Test
  void noCertificateIsRejected() {
    assertThatThrownBy(() -> slaveSide.checkClientTrusted(new X509Certificate[0], "UNKNOWN"))
        .isInstanceOf(PeerRejectedException.class)
        .hasMessage("presented no certificate");
  }

  @Test
  void theCaCertificateItselfIsNotANode() throws Exception {
    assertThatThrownBy(() -> slaveSide.checkClientTrusted(new X509Certificate[] {ca.certificate()}, "UNKNOWN"))
        .isInstanceOf(PeerRejectedException.class);
  }

  @Test
  void fingerprintIsOpensslsSpelling() throws Exception {
    assertThat(CertificateIdentity.fingerprint(ca.certificate())).matches("([0-9A-F]{2}:){31}[0-9A-F]{2}");
  }
}
