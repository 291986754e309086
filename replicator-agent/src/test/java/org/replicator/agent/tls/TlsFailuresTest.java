package org.replicator.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.NotSslRecordException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** Both providers' handshake failures read the same to an operator, and never echo peer bytes. */
class TlsFailuresTest {
  private static SSLHandshakeException boring(String reason) {
    return new SSLHandshakeException("error:10000412:SSL routines:OPENSSL_internal:" + reason);
  }

  @Test
  void missingCertificateReadsTheSameOnBothProviders() {
    assertThat(TlsFailures.describe(new SSLHandshakeException("Empty client certificate chain"))).isEqualTo("presented no certificate");
    assertThat(TlsFailures.describe(boring("PEER_DID_NOT_RETURN_A_CERTIFICATE"))).isEqualTo("presented no certificate");
  }

  @Test
  void alertsNameTheAlertOnBothProviders() {
    String jdk = TlsFailures.describe(new SSLHandshakeException("Received fatal alert: bad_certificate"));
    String bssl = TlsFailures.describe(boring("SSLV3_ALERT_BAD_CERTIFICATE"));
    assertThat(jdk).isEqualTo(bssl).contains("alert bad_certificate").contains("does not accept our certificate");
    assertThat(TlsFailures.describe(boring("TLSV1_ALERT_UNKNOWN_CA"))).contains("alert unknown_ca");
  }

  @Test
  void versionMismatchAndPlainPeers() {
    assertThat(TlsFailures.describe(boring("UNSUPPORTED_PROTOCOL"))).contains("TLS 1.3");
    assertThat(TlsFailures.describe(boring("WRONG_VERSION_NUMBER"))).contains("not TLS");
    assertThat(TlsFailures.describe(new NotSslRecordException("not an SSL/TLS record: 474554202f"))).contains("not TLS")
        .doesNotContain("474554");
  }

  @Test
  void ourOwnRejectionWinsOverTheProvidersWrapper() {
    SSLHandshakeException wrapped = boring("CERTIFICATE_VERIFY_FAILED");
    wrapped.initCause(new PeerRejectedException("certificate 'CN=x' sha256=AB belongs to node 'slave2', not the master", null));
    assertThat(TlsFailures.describe(wrapped)).contains("belongs to node 'slave2'");
  }

  @Test
  void unknownReasonsFallBackToTheRootCause() {
    assertThat(TlsFailures.describe(boring("SOMETHING_NEW"))).contains("SOMETHING_NEW");
    assertThat(TlsFailures.isTls(boring("SOMETHING_NEW"))).isTrue();
  }
}
