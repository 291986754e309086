package org.replicator.agent.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.replicator.core.config.ClusterConfig;

/**
 * The contexts built from a node's own key ({@link OwnKeyManager}, no PKCS12 round trip) complete
 * a mutual TLS 1.3 handshake on both providers, and each side still refuses a peer that is not the
 * node it expects. Two {@link EmbeddedChannel}s, bytes pumped between them by hand.
 */
class TlsContextsTest {
  @TempDir Path dir;
  ClusterConfig config;

  @BeforeEach
  void material() throws Exception {
    config = TestClusters.write(dir);
    ClusterCertificates.createAll(config, dir.resolve("ca"));
  }

  @AfterEach
  void restore() {
    System.clearProperty(TlsProvider.PROPERTY);
  }

  private TlsMaterial own(String node) throws Exception {
    return TlsMaterial.load(dir.resolve("state-" + node), node, config.sourceFile(), Instant.now());
  }

  private static void use(String provider) {
    Assumptions.assumeTrue(provider.equals("jdk") || OpenSsl.isAvailable(), "BoringSSL does not load on this platform");
    System.setProperty(TlsProvider.PROPERTY, provider);
  }

  /** Runs the handshake to its end; returns the client's and the server's handlers. */
  private static SslHandler[] handshake(SslContext client, SslContext server) {
    EmbeddedChannel c = new EmbeddedChannel(client.newHandler(ByteBufAllocator.DEFAULT));
    EmbeddedChannel s = new EmbeddedChannel(server.newHandler(ByteBufAllocator.DEFAULT));
    SslHandler ch = c.pipeline().get(SslHandler.class);
    SslHandler sh = s.pipeline().get(SslHandler.class);
    for (int round = 0; round < 50 && !(ch.handshakeFuture().isDone() && sh.handshakeFuture().isDone()); round++) {
      boolean moved = pump(c, s) | pump(s, c);
      c.runPendingTasks();
      s.runPendingTasks();
      if (!moved && c.outboundMessages().isEmpty() && s.outboundMessages().isEmpty()) {
        break;
      }
    }
    c.finishAndReleaseAll();
    s.finishAndReleaseAll();
    return new SslHandler[] {ch, sh};
  }

  private static boolean pump(EmbeddedChannel from, EmbeddedChannel to) {
    boolean moved = false;
    ByteBuf b;
    while ((b = from.readOutbound()) != null) {
      moved = true;
      try {
        to.writeInbound(b);
      } catch (Exception e) { // ClosedChannelException too, rethrown unchecked by EmbeddedChannel
        // The receiving side refused the handshake and closed; its handshake future says why.
      }
    }
    return moved;
  }

  @ParameterizedTest
  @ValueSource(strings = {"jdk", "openssl"})
  void masterAndSlaveAuthenticateEachOtherWithTheirOwnKeys(String provider) throws Exception {
    use(provider);
    SslHandler[] h = handshake(TlsContexts.forMaster(own("m"), "s1"), TlsContexts.forSlave(own("s1"), "m"));

    assertThat(h[0].handshakeFuture().isSuccess()).as(String.valueOf(h[0].handshakeFuture().cause())).isTrue();
    assertThat(h[1].handshakeFuture().isSuccess()).as(String.valueOf(h[1].handshakeFuture().cause())).isTrue();
    assertThat(CertificateIdentity.nodeName((java.security.cert.X509Certificate) h[0].engine().getSession().getPeerCertificates()[0]))
        .isEqualTo("s1");
    assertThat(CertificateIdentity.nodeName((java.security.cert.X509Certificate) h[1].engine().getSession().getPeerCertificates()[0]))
        .isEqualTo("m");
  }

  @ParameterizedTest
  @ValueSource(strings = {"jdk", "openssl"})
  void aPeerThatIsNotTheExpectedNodeIsRefused(String provider) throws Exception {
    use(provider);
    // s2 presents its own, valid certificate where s1 is expected: the master refuses it.
    SslHandler[] h = handshake(TlsContexts.forMaster(own("m"), "s1"), TlsContexts.forSlave(own("s2"), "m"));
    assertThat(h[0].handshakeFuture().isSuccess()).isFalse();
    // s2 dials as if it were the master: the slave refuses its client certificate.
    h = handshake(TlsContexts.forMaster(own("s2"), "s1"), TlsContexts.forSlave(own("s1"), "m"));
    assertThat(h[1].handshakeFuture().isSuccess()).isFalse();
  }

  @Test
  void theKeyIsOfferedOnlyForItsOwnAlgorithm() throws Exception {
    TlsMaterial m = own("m");
    OwnKeyManager keys = new OwnKeyManager(m.key(), m.cert());
    String alg = m.key().getAlgorithm(); // EC for the certificates replicator certs makes
    assertThat(keys.chooseEngineServerAlias(alg, null, null)).isEqualTo(OwnKeyManager.ALIAS);
    assertThat(keys.chooseEngineClientAlias(new String[] {"RSA", alg}, null, null)).isEqualTo(OwnKeyManager.ALIAS);
    assertThat(keys.chooseEngineServerAlias("RSA".equals(alg) ? "EC" : "RSA", null, null)).isNull();
    assertThat(keys.chooseEngineClientAlias(new String[] {"DSA"}, null, null)).isNull();
    assertThat(keys.getPrivateKey(OwnKeyManager.ALIAS)).isSameAs(m.key());
    assertThat(keys.getCertificateChain(OwnKeyManager.ALIAS)).containsExactly(m.cert());
    assertThat(keys.getPrivateKey("other")).isNull();
  }
}
