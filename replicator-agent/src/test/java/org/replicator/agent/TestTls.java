package org.replicator.agent;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.replicator.agent.tls.Pem;
import org.replicator.agent.tls.TlsFiles;

/**
 * JDK TLS sockets for scripted peers: they present whatever key and certificate a test gives them
 * (a node's real material, a stranger's, none) and accept any peer certificate, because the peer
 * under test is the other side, not this one.
 */
final class TestTls {
  private TestTls() {}

  /** A client context that presents the material in {@code stateDir}/tls. */
  static SSLContext of(Path stateDir) throws IOException, GeneralSecurityException {
    TlsFiles files = TlsFiles.ofStateDir(stateDir);
    return of(Pem.readPrivateKey(files.nodeKey()), Pem.readCertificate(files.nodeCert()));
  }

  /** Presents {@code cert}; {@code key} null means no certificate at all. */
  static SSLContext of(PrivateKey key, X509Certificate cert) throws GeneralSecurityException, IOException {
    KeyManager[] keys = null;
    if (key != null) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("node", key, new char[] {'x'}, new X509Certificate[] {cert});
      KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      f.init(store, new char[] {'x'});
      keys = f.getKeyManagers();
    }
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(keys, new TrustManager[] {new TrustAll()}, null);
    return ctx;
  }

  /** Connected and handshaken (in TLS 1.3 the server may still reject us right after). */
  static SSLSocket connect(SSLContext ctx, String host, int port) throws IOException {
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(host, port);
    s.setSoTimeout(10_000);
    s.startHandshake();
    return s;
  }

  /** A listening TLS socket that asks for (but does not check) a client certificate. */
  static SSLServerSocket listen(SSLContext ctx, String host, int port) throws IOException {
    SSLServerSocket s = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(port, 5, java.net.InetAddress.getByName(host));
    s.setWantClientAuth(true);
    return s;
  }

  private static final class TrustAll extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
