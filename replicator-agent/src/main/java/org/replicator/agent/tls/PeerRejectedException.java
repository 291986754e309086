package org.replicator.agent.tls;

import java.security.cert.CertificateException;

/**
 * A peer's certificate chain failed our check at the TLS handshake. The message names the
 * certificate (subject and SHA-256 fingerprint, or "no certificate") and why it was refused; the
 * session handler logs it with the peer's address.
 */
public final class PeerRejectedException extends CertificateException {
  private static final long serialVersionUID = 1L;

  public PeerRejectedException(String message, Throwable cause) {
    super(message, cause);
  }
}
