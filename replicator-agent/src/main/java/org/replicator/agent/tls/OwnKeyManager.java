package org.replicator.agent.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The node's one key and certificate, handed to the TLS provider as they are.
 *
 * <p>Why not Netty's {@code keyManager(key, cert)}: it stores the key in a password-protected
 * PKCS12 key store and reads it back through the JDK's {@code SunX509} key manager, which runs
 * PBKDF2 (10,000 rounds of HMAC-SHA256) twice per context. JFR of a restart (issue 16) showed that
 * on the start's critical path: 15 of the slave main thread's 105 samples, about 0.3 s of CPU with
 * the C1-only JIT, once on the slave and once per link on the master. Nothing is protected by it:
 * the key is in this process's memory either way.
 *
 * <p>Offers the key for a requested key type only when it is of that algorithm ({@code "EC"}, or
 * the TLS 1.2 names {@code "EC_EC"}/{@code "EC_RSA"}), as the JDK's key manager does, so a provider
 * that asks per type never gets a key it cannot sign with. Immutable, so any thread may use it.
 */
final class OwnKeyManager extends X509ExtendedKeyManager {
  static final String ALIAS = "node";

  private final PrivateKey key;
  private final X509Certificate[] chain;

  OwnKeyManager(PrivateKey key, X509Certificate cert) {
    this.key = key;
    this.chain = new X509Certificate[] {cert};
  }

  /** True when {@code keyType} (JSSE name: "EC", "RSA", "EC_EC", ...) names our key's algorithm. */
  boolean offers(String keyType) {
    if (keyType == null) {
      return false;
    }
    String algorithm = key.getAlgorithm().toUpperCase(Locale.ROOT);
    String type = keyType.toUpperCase(Locale.ROOT);
    return type.equals(algorithm) || type.startsWith(algorithm + "_");
  }

  private String[] aliases(String keyType) {
    return offers(keyType) ? new String[] {ALIAS} : null;
  }

  private String choose(String[] keyTypes) {
    if (keyTypes != null) {
      for (String t : keyTypes) {
        if (offers(t)) {
          return ALIAS;
        }
      }
    }
    return null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return aliases(keyType);
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return choose(keyType);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return choose(keyType);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return aliases(keyType);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return offers(keyType) ? ALIAS : null;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return offers(keyType) ? ALIAS : null;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return ALIAS.equals(alias) ? chain.clone() : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return ALIAS.equals(alias) ? key : null;
  }
}
