package org.replicator.agent.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The identity check of a TLS handshake: the peer's certificate must be valid now, chain to the
 * cluster CA (and nothing else: the JDK's default CAs are never trusted), carry the TLS key usage,
 * and name (subject CN) exactly the node the cluster file expects at the other end. A slave
 * accepts only the master's name; the master, dialling slave X, accepts only X. A certificate that
 * fails throws {@link PeerRejectedException}, which fails the handshake before a byte of
 * application data is read.
 *
 * <p>Stateless after construction; called on Netty event loops.
 */
public final class PeerVerifier extends X509ExtendedTrustManager {
  private final X509ExtendedTrustManager pkix;
  /** Names a peer may have; several on a slave, which accepts whichever node is master (failover). */
  private final java.util.Set<String> expected;
  private final String expectedRole;

  /**
   * @param expected the node name the peer must have
   * @param expectedRole how to name it in errors: "the master", "slave"
   */
  public PeerVerifier(List<X509Certificate> trusted, String expected, String expectedRole) throws GeneralSecurityException {
    this(trusted, java.util.Set.of(expected), expectedRole);
  }

  /**
   * @param expected the node names the peer may have (a slave: every other node of the cluster,
   *     since any of them may be promoted; the HELLO then must come from the name authenticated)
   */
  public PeerVerifier(List<X509Certificate> trusted, java.util.Set<String> expected, String expectedRole) throws GeneralSecurityException {
    this.expected = java.util.Set.copyOf(expected);
    this.expectedRole = expectedRole;
    KeyStore store = KeyStore.getInstance("PKCS12");
    try {
      store.load(null, null);
    } catch (java.io.IOException e) {
      throw new GeneralSecurityException("cannot create an empty trust store", e);
    }
    for (int i = 0; i < trusted.size(); i++) {
      store.setCertificateEntry("cluster-ca-" + i, trusted.get(i));
    }
    TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
    f.init(store);
    X509ExtendedTrustManager found = null;
    for (TrustManager tm : f.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x) {
        found = x;
      }
    }
    if (found == null) {
      throw new GeneralSecurityException("the JDK offers no X509ExtendedTrustManager");
    }
    this.pkix = found;
  }

  private interface Check {
    void run() throws CertificateException;
  }

  private void verify(X509Certificate[] chain, Check pkixCheck) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new PeerRejectedException("presented no certificate", null);
    }
    X509Certificate leaf = chain[0];
    String who = "certificate " + CertificateIdentity.describe(leaf);
    try {
      leaf.checkValidity();
    } catch (CertificateExpiredException e) {
      throw new PeerRejectedException(who + " expired on " + leaf.getNotAfter().toInstant(), e);
    } catch (CertificateNotYetValidException e) {
      throw new PeerRejectedException(who + " is not valid before " + leaf.getNotBefore().toInstant() + " (clock skew?)", e);
    }
    try {
      pkixCheck.run();
    } catch (CertificateException e) {
      throw new PeerRejectedException(who + " is not trusted: not issued by this cluster's CA, or not a node certificate ("
          + e.getMessage() + ")", e);
    }
    String name = CertificateIdentity.nodeName(leaf);
    if (name == null || !expected.contains(name)) {
      throw new PeerRejectedException(who + " belongs to " + (name == null ? "no single node" : "node '" + name + "'")
          + ", but only " + expectedRole + " " + names(expected) + " may connect here", null);
    }
  }

  /**
   * Checks an established session again: validity now and the expected name. A resumed TLS
   * session skips the trust manager (its key proves it continues an earlier, verified session), so
   * without this a certificate that expired since, or a session cached before the cluster file
   * changed, would not be looked at again.
   */
  public static void checkEstablished(SSLSession session, String expected, String expectedRole) throws PeerRejectedException {
    checkEstablished(session, java.util.Set.of(expected), expectedRole);
  }

  private static String names(java.util.Set<String> names) {
    return names.stream().sorted().map(n -> "'" + n + "'").collect(java.util.stream.Collectors.joining(", "));
  }

  /** The node name (CN) of an established session's peer, or null when it names no single node. */
  public static String peerName(SSLSession session) {
    try {
      return CertificateIdentity.nodeName((X509Certificate) session.getPeerCertificates()[0]);
    } catch (SSLPeerUnverifiedException | RuntimeException e) {
      return null;
    }
  }

  /** {@link #checkEstablished(SSLSession, String, String)} for a peer that may have any of {@code expected}. */
  public static void checkEstablished(SSLSession session, java.util.Set<String> expected, String expectedRole) throws PeerRejectedException {
    X509Certificate leaf;
    try {
      leaf = (X509Certificate) session.getPeerCertificates()[0];
    } catch (SSLPeerUnverifiedException | RuntimeException e) {
      throw new PeerRejectedException("presented no certificate", e);
    }
    String who = "certificate " + CertificateIdentity.describe(leaf);
    try {
      leaf.checkValidity();
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      throw new PeerRejectedException(who + " is not valid now (" + leaf.getNotBefore().toInstant() + " to " + leaf.getNotAfter().toInstant() + ")", e);
    }
    String name = CertificateIdentity.nodeName(leaf);
    if (name == null || !expected.contains(name)) {
      throw new PeerRejectedException(who + " belongs to " + (name == null ? "no single node" : "node '" + name + "'")
          + ", but only " + expectedRole + " " + names(expected) + " may connect here", null);
    }
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    verify(chain, () -> pkix.checkClientTrusted(chain, authType, socket));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    verify(chain, () -> pkix.checkClientTrusted(chain, authType, engine));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    verify(chain, () -> pkix.checkClientTrusted(chain, authType));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    verify(chain, () -> pkix.checkServerTrusted(chain, authType, socket));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    verify(chain, () -> pkix.checkServerTrusted(chain, authType, engine));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    verify(chain, () -> pkix.checkServerTrusted(chain, authType));
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix.getAcceptedIssuers();
  }
}
