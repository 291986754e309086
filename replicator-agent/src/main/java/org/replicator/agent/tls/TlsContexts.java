package org.replicator.agent.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Netty TLS contexts for the two ends of a replication connection: TLS 1.3 only, mutual
 * authentication through {@link PeerVerifier}, on the provider {@link TlsProvider} picks
 * (BoringSSL when it loads, else the JDK). With the JDK the suites are limited to AES-GCM
 * (hardware-accelerated; AES-128 first, the cheaper one). BoringSSL's TLS 1.3 suites are fixed by
 * BoringSSL itself (AES-GCM and ChaCha20-Poly1305, all AEAD; it prefers AES-GCM on CPUs with
 * AES-NI) and cannot be configured, so none are passed to it. Hostname
 * verification is off on purpose: nodes are often named by IP address, and the verifier checks the
 * stronger thing, the node name under the cluster CA.
 */
public final class TlsContexts {
  public static final String PROTOCOL = "TLSv1.3";
  public static final List<String> CIPHERS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");

  private TlsContexts() {}

  /** A slave's listening side: it requires a client certificate naming {@code master}. */
  public static SslContext forSlave(TlsMaterial own, String master) throws SSLException, GeneralSecurityException {
    return forSlave(own, java.util.Set.of(master), "the master");
  }

  /**
   * A slave's listening side that any of {@code peers} may dial: whichever node is master at the
   * current epoch (failover). The HELLO must then come from the node the certificate names.
   */
  public static SslContext forSlave(TlsMaterial own, java.util.Set<String> peers, String role) throws SSLException, GeneralSecurityException {
    SslProvider provider = TlsProvider.current();
    return SslContextBuilder.forServer(new OwnKeyManager(own.key(), own.cert()))
        .sslProvider(provider)
        .protocols(PROTOCOL)
        .ciphers(ciphers(provider))
        .clientAuth(ClientAuth.REQUIRE)
        .trustManager(new PeerVerifier(own.trusted(), peers, role))
        .build();
  }

  /** The master's dialling side towards one slave: the server certificate must name {@code slave}. */
  public static SslContext forMaster(TlsMaterial own, String slave) throws SSLException, GeneralSecurityException {
    SslProvider provider = TlsProvider.current();
    return SslContextBuilder.forClient()
        .sslProvider(provider)
        .protocols(PROTOCOL)
        .ciphers(ciphers(provider))
        .keyManager(new OwnKeyManager(own.key(), own.cert()))
        .trustManager(new PeerVerifier(own.trusted(), slave, "slave"))
        .endpointIdentificationAlgorithm(null)
        .build();
  }

  /** Null leaves the provider's own TLS 1.3 suites (see the class comment). */
  private static List<String> ciphers(SslProvider provider) {
    return provider == SslProvider.JDK ? CIPHERS : null;
  }
}
