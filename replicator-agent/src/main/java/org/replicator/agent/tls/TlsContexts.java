package org.replicator.agent.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Netty TLS contexts for the two ends of a replication connection: TLS 1.3 only, AES-GCM only
 * (hardware-accelerated in the JDK; AES-128 first, it is the cheaper one), the JDK provider (no
 * native OpenSSL to ship), mutual authentication through {@link PeerVerifier}. Hostname
 * verification is off on purpose: nodes are often named by IP address, and the verifier checks the
 * stronger thing, the node name under the cluster CA.
 */
public final class TlsContexts {
  public static final String PROTOCOL = "TLSv1.3";
  public static final List<String> CIPHERS = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");

  private TlsContexts() {}

  /** A slave's listening side: it requires a client certificate naming {@code master}. */
  public static SslContext forSlave(TlsMaterial own, String master) throws SSLException, GeneralSecurityException {
    return SslContextBuilder.forServer(own.key(), own.cert())
        .sslProvider(SslProvider.JDK)
        .protocols(PROTOCOL)
        .ciphers(CIPHERS)
        .clientAuth(ClientAuth.REQUIRE)
        .trustManager(new PeerVerifier(own.trusted(), master, "the master"))
        .build();
  }

  /** The master's dialling side towards one slave: the server certificate must name {@code slave}. */
  public static SslContext forMaster(TlsMaterial own, String slave) throws SSLException, GeneralSecurityException {
    return SslContextBuilder.forClient()
        .sslProvider(SslProvider.JDK)
        .protocols(PROTOCOL)
        .ciphers(CIPHERS)
        .keyManager(own.key(), own.cert())
        .trustManager(new PeerVerifier(own.trusted(), slave, "slave"))
        .endpointIdentificationAlgorithm(null)
        .build();
  }
}
