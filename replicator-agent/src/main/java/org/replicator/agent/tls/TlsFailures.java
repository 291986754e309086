package org.replicator.agent.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Turns what a failed TLS handshake throws into one line an operator can act on. Never echoes the
 * peer's bytes (Netty's {@link NotSslRecordException} message is a hex dump of them).
 */
public final class TlsFailures {
  private TlsFailures() {}

  /** True when {@code cause} (or one of its causes) comes from TLS. */
  public static boolean isTls(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof SSLException || t instanceof NotSslRecordException || t instanceof PeerRejectedException) {
        return true;
      }
    }
    return false;
  }

  public static String describe(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof PeerRejectedException rejected) {
        return rejected.getMessage();
      }
      if (t instanceof NotSslRecordException) {
        return "sent data that is not TLS (a plain-TCP peer? transport must be the same on every node)";
      }
      if (t instanceof SslHandshakeTimeoutException) {
        return "did not complete the TLS handshake in time (" + t.getMessage() + ")";
      }
      if (t instanceof java.nio.channels.ClosedChannelException) {
        return "the connection closed during the TLS handshake (the peer refused it, or went away)";
      }
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m == null) {
        continue;
      }
      if (m.contains("Empty client certificate chain") || m.contains("Empty server certificate chain")) {
        return "presented no certificate";
      }
      if (m.startsWith("Received fatal alert: ")) {
        return peerAlert(m.substring("Received fatal alert: ".length()));
      }
      String boring = boringSslReason(m);
      if (boring != null) {
        return boring;
      }
    }
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getClass().getSimpleName() + ": " + root.getMessage();
  }

  private static String peerAlert(String alert) {
    return "the peer ended the TLS handshake (alert " + alert
        + "): it does not accept our certificate (another CA? not the node it expects?) or our TLS settings";
  }

  /**
   * BoringSSL's errors read "error:100000c0:SSL routines:OPENSSL_internal:REASON"; the same
   * operator words as the JDK's for the reasons a misconfigured peer causes, null for others.
   */
  private static String boringSslReason(String message) {
    int at = message.indexOf(":OPENSSL_internal:");
    if (!message.startsWith("error:") || at < 0) {
      return null;
    }
    String reason = message.substring(at + ":OPENSSL_internal:".length()).trim();
    int space = reason.indexOf(' ');
    if (space > 0) {
      reason = reason.substring(0, space);
    }
    if (reason.equals("PEER_DID_NOT_RETURN_A_CERTIFICATE")) {
      return "presented no certificate";
    }
    for (String prefix : new String[] {"SSLV3_ALERT_", "TLSV1_ALERT_"}) {
      if (reason.startsWith(prefix)) {
        return peerAlert(reason.substring(prefix.length()).toLowerCase(java.util.Locale.ROOT));
      }
    }
    if (reason.equals("NO_SHARED_CIPHER") || reason.equals("UNSUPPORTED_PROTOCOL")
        || reason.equals("NO_SUPPORTED_VERSIONS_ENABLED")) {
      return "has no TLS version or cipher in common with us (every node speaks TLS 1.3 only)";
    }
    if (reason.equals("WRONG_VERSION_NUMBER") || reason.equals("HTTP_REQUEST")) {
      return "sent data that is not TLS (a plain-TCP peer? transport must be the same on every node)";
    }
    return null;
  }

  /** "'CN=web1, O=…' sha256=… (TLSv1.3 TLS_AES_128_GCM_SHA256)" of the authenticated peer. */
  public static String peer(SSLSession session) {
    String suite = " (" + session.getProtocol() + " " + session.getCipherSuite() + ")";
    try {
      return CertificateIdentity.describe((X509Certificate) session.getPeerCertificates()[0]) + suite;
    } catch (SSLPeerUnverifiedException | RuntimeException e) {
      return "unknown" + suite;
    }
  }
}
