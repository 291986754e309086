package org.replicator.agent.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM text for certificates ({@code CERTIFICATE}) and PKCS#8 private keys ({@code PRIVATE KEY}),
 * the formats {@code openssl} reads. The JDK parses and encodes both; no other crypto library is
 * involved in reading keys.
 */
public final class Pem {
  private static final Pattern KEY = Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private Pem() {}

  public static String certificate(X509Certificate cert) {
    try {
      return block("CERTIFICATE", cert.getEncoded());
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("cannot encode certificate " + cert.getSubjectX500Principal(), e);
    }
  }

  public static String privateKey(PrivateKey key) {
    if (!"PKCS#8".equals(key.getFormat())) {
      throw new IllegalArgumentException("expected a PKCS#8 key, got " + key.getFormat());
    }
    return block("PRIVATE KEY", key.getEncoded());
  }

  private static String block(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  /** Every certificate in the file, in order (a CA file may hold several during a CA rotation). */
  public static List<X509Certificate> readCertificates(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    try (InputStream in = new ByteArrayInputStream(bytes)) {
      List<X509Certificate> certs = new ArrayList<>();
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certs.add((X509Certificate) c);
      }
      if (certs.isEmpty()) {
        throw new IOException(file + ": no certificate in it");
      }
      return certs;
    } catch (CertificateException e) {
      throw new IOException(file + ": not a PEM certificate file: " + e.getMessage(), e);
    }
  }

  public static X509Certificate readCertificate(Path file) throws IOException {
    List<X509Certificate> certs = readCertificates(file);
    if (certs.size() != 1) {
      throw new IOException(file + ": expected one certificate, found " + certs.size());
    }
    return certs.get(0);
  }

  /** An EC or Ed25519 PKCS#8 key; the algorithm is the one named inside the key. */
  public static PrivateKey readPrivateKey(Path file) throws IOException {
    Matcher m = KEY.matcher(Files.readString(file, StandardCharsets.US_ASCII));
    if (!m.find()) {
      throw new IOException(file + ": no '-----BEGIN PRIVATE KEY-----' block (PKCS#8 PEM expected)");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
    GeneralSecurityException last = null;
    for (String algorithm : new String[] {"EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw new IOException(file + ": not an EC or Ed25519 PKCS#8 private key: " + last.getMessage(), last);
  }
}
