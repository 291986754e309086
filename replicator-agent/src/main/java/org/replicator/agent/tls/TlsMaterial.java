package org.replicator.agent.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * One node's own TLS material, loaded from {@code <state_dir>/tls} and checked once at start, so
 * that a mistake (missing file, key readable by others, certificate of another node, expired,
 * issued by another CA, key and certificate that do not belong together) stops the agent with a
 * message that names the file and the fix, rather than failing every handshake later.
 */
public record TlsMaterial(PrivateKey key, X509Certificate cert, List<X509Certificate> trusted) {
  public TlsMaterial {
    trusted = List.copyOf(trusted);
  }

  public static TlsMaterial load(Path stateDir, String node, Path clusterFile, Instant now) throws IOException {
    TlsFiles files = TlsFiles.ofStateDir(stateDir);
    String create = "create it with: replicator certs --config " + clusterFile + " (docs/security.md), or set transport: plain";
    for (Path p : new Path[] {files.caCert(), files.nodeCert(), files.nodeKey()}) {
      if (!Files.exists(p)) {
        throw new IOException("node " + node + ": TLS file " + p + " is missing; " + create);
      }
    }
    PrivateFiles.checkPrivate(files.nodeKey());
    PrivateKey key = Pem.readPrivateKey(files.nodeKey());
    X509Certificate cert = Pem.readCertificate(files.nodeCert());
    List<X509Certificate> trusted = Pem.readCertificates(files.caCert());
    String renew = "; renew it: replicator certs --config " + clusterFile + " --renew " + node;
    String name = CertificateIdentity.nodeName(cert);
    if (!node.equals(name)) {
      throw new IOException(files.nodeCert() + " is the certificate of '" + name + "', this is node " + node
          + "; copy this node's own material or" + renew.substring(1));
    }
    Instant end = cert.getNotAfter().toInstant();
    if (end.isBefore(now)) {
      throw new IOException(files.nodeCert() + " expired on " + end + renew);
    }
    if (trusted.stream().noneMatch(ca -> signedBy(cert, ca))) {
      throw new IOException(files.nodeCert() + " was not issued by the CA in " + files.caCert() + " (peers would reject it)" + renew);
    }
    if (!belongTogether(key, cert)) {
      throw new IOException(files.nodeKey() + " is not the key of " + files.nodeCert() + renew);
    }
    return new TlsMaterial(key, cert, trusted);
  }

  /** True when the certificate ends before {@code instant}. */
  public boolean expiresBefore(Instant instant) {
    return cert.getNotAfter().toInstant().isBefore(instant);
  }

  private static boolean signedBy(X509Certificate cert, X509Certificate ca) {
    try {
      cert.verify(ca.getPublicKey());
      return true;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static boolean belongTogether(PrivateKey key, X509Certificate cert) {
    try {
      byte[] probe = "replicator key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      Signature sign = Signature.getInstance("EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : key.getAlgorithm());
      sign.initSign(key);
      sign.update(probe);
      byte[] signature = sign.sign();
      sign.initVerify(cert.getPublicKey());
      sign.update(probe);
      return sign.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
