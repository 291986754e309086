package org.replicator.agent.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * What a node certificate says about its holder: the node name (the subject's single CN) and the
 * SHA-256 fingerprint operators compare with {@code openssl x509 -noout -fingerprint -sha256}.
 */
public final class CertificateIdentity {
  private CertificateIdentity() {}

  /** SHA-256 of the DER encoding, as upper-case hex pairs joined by ':' (openssl's spelling). */
  public static String fingerprint(X509Certificate cert) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException("cannot fingerprint " + cert.getSubjectX500Principal(), e);
    }
  }

  /**
   * The subject's common name, or null when there is none or more than one (such a certificate
   * names no node: a name check must fail, never pick one of several).
   */
  public static String nodeName(X509Certificate cert) {
    try {
      String found = null;
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().toUpperCase(Locale.ROOT).equals("CN")) {
          if (found != null || !(rdn.getValue() instanceof String value)) {
            return null;
          }
          found = value;
        }
      }
      return found;
    } catch (InvalidNameException e) {
      return null;
    }
  }

  /** "CN=web2 sha256=AB:CD:…" for logs and errors. */
  public static String describe(X509Certificate cert) {
    return "'" + cert.getSubjectX500Principal().getName() + "' sha256=" + fingerprint(cert);
  }
}
