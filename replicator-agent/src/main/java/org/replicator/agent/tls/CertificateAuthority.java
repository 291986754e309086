package org.replicator.agent.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A cluster's certificate authority: an ECDSA P-256 key and a self-signed certificate that every
 * node trusts, and nothing else. It issues one certificate per node whose subject CN is the node's
 * name (the identity peers check) and which serves both TLS ends (a node may dial or listen
 * depending on its role, and roles can change without new certificates).
 *
 * <p>BouncyCastle only builds the certificates; keys come from, and signatures are made by, the
 * JDK's providers. Not thread safe; short-lived (the {@code certs} command, test fixtures).
 */
public final class CertificateAuthority {
  /** How long the CA certificate is valid. */
  public static final Duration CA_VALIDITY = Duration.ofDays(3650);
  /** How long a node certificate is valid; renew with {@code replicator certs --renew NODE}. */
  public static final Duration NODE_VALIDITY = Duration.ofDays(730);
  /** Certificates start this far in the past, so that a node whose clock lags still accepts them. */
  static final Duration BACKDATE = Duration.ofHours(1);
  private static final String SIGNATURE = "SHA256withECDSA";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final PrivateKey key;
  private final X509Certificate cert;

  public CertificateAuthority(PrivateKey key, X509Certificate cert) {
    this.key = key;
    this.cert = cert;
  }

  /** A new CA for {@code cluster}, valid for {@link #CA_VALIDITY} from {@code now}. */
  public static CertificateAuthority create(String cluster, Instant now) throws GeneralSecurityException {
    KeyPair pair = newKeyPair();
    X500Principal subject = new X500Principal("CN=Replicator CA " + cluster + ", O=replicator");
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(BACKDATE)),
          Date.from(now.plus(CA_VALIDITY)), subject, pair.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      return new CertificateAuthority(pair.getPrivate(), sign(b, pair.getPrivate()));
    } catch (CertIOException e) {
      throw new GeneralSecurityException("cannot build the CA certificate: " + e.getMessage(), e);
    }
  }

  /** The CA kept in {@code dir} ({@code ca.key} must be private to its owner). */
  public static CertificateAuthority load(TlsFiles dir) throws IOException {
    PrivateFiles.checkPrivate(dir.caKey());
    return new CertificateAuthority(Pem.readPrivateKey(dir.caKey()), Pem.readCertificate(dir.caCert()));
  }

  public static boolean existsIn(TlsFiles dir) {
    return Files.exists(dir.caKey()) || Files.exists(dir.caCert());
  }

  /** Writes {@code ca.key} (0600) and {@code ca.crt} into {@code dir} (0700); nothing is overwritten. */
  public void save(TlsFiles dir) throws IOException {
    PrivateFiles.directory(dir.dir());
    PrivateFiles.createNew(dir.caKey(), Pem.privateKey(key), PrivateFiles.KEY_MODE);
    PrivateFiles.createNew(dir.caCert(), Pem.certificate(cert), PrivateFiles.CERT_MODE);
  }

  public X509Certificate certificate() {
    return cert;
  }

  /** A new P-256 key pair (the JDK's SunEC provider). */
  public static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  /** A node certificate valid for {@link #NODE_VALIDITY} from {@code now}. */
  public X509Certificate issue(String cluster, String node, PublicKey nodeKey, Instant now) throws GeneralSecurityException {
    return issue(cluster, node, nodeKey, now.minus(BACKDATE), now.plus(NODE_VALIDITY));
  }

  /** A node certificate with explicit validity (tests issue expired ones this way). */
  public X509Certificate issue(String cluster, String node, PublicKey nodeKey, Instant notBefore, Instant notAfter)
      throws GeneralSecurityException {
    // The node name is the only CN; the cluster rides along in O for people reading the cert.
    X500Principal subject = new X500Principal("CN=" + node + ", O=replicator " + cluster);
    try {
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(cert.getSubjectX500Principal(), serial(), Date.from(notBefore),
          Date.from(notAfter), subject, nodeKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(nodeKey))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(cert));
      return sign(b, key);
    } catch (CertIOException e) {
      throw new GeneralSecurityException("cannot build the certificate of node " + node + ": " + e.getMessage(), e);
    }
  }

  /** True when {@code candidate} carries this CA's signature. */
  public boolean issued(X509Certificate candidate) {
    try {
      candidate.verify(cert.getPublicKey());
      return candidate.getIssuerX500Principal().equals(cert.getSubjectX500Principal());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer) throws GeneralSecurityException {
    try {
      ContentSigner s = new JcaContentSignerBuilder(SIGNATURE).build(signer);
      return new JcaX509CertificateConverter().getCertificate(builder.build(s));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign with " + SIGNATURE + ": " + e.getMessage(), e);
    }
  }

  /** Random, positive, 127 bits: unique without a counter to keep. */
  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }
}
