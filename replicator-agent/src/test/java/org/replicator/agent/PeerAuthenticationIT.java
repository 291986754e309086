package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.tls.CertificateAuthority;
import org.replicator.agent.tls.CertificateIdentity;
import org.replicator.agent.tls.TlsFiles;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.wire.FrameWriter;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;

/**
 * Mutual TLS against a real slave agent: a peer without a certificate, with one from another CA,
 * with an expired one, with another node's (a slave trying to act as the master), or speaking
 * plain TCP is rejected at the handshake, logged with its address and fingerprint, and nothing it
 * sent (a HELLO in the master's name and a batch that would create {@code evil/}) is parsed. And
 * the master, dialling slave1, refuses a server that shows slave2's certificate. After each case
 * the real master still replicates.
 */
class PeerAuthenticationIT {
  @TempDir Path dir;
  InProcessCluster cluster;
  NodeConfig slave1;
  RecordingAppender slaveLog;

  @BeforeEach
  void start() throws Exception {
    cluster = new InProcessCluster(dir.resolve("cluster"), 2, "");
    Files.writeString(cluster.docroot("master").resolve("index.php"), "<?php");
    slave1 = cluster.config().node("slave1");
    slaveLog = new RecordingAppender("org.replicator.agent.slave.SlaveReceiverHandler");
    cluster.start("slave1");
  }

  @AfterEach
  void theRealMasterStillReplicates() throws Exception {
    slaveLog.close();
    assertThat(cluster.docroot("slave1").resolve("evil")).doesNotExist();
    if (cluster.master() == null) {
      assertThat(cluster.slave("slave1").status(false).get("lastAppliedSeq")).as("no batch was applied").isEqualTo(0L);
      cluster.start("master");
    }
    cluster.start("slave2");
    assertThat(cluster.awaitApplied()).as("the slaves still serve the real master").isTrue();
    assertThat(cluster.differences()).isEmpty();
    cluster.close();
  }

  @Test
  void peerWithoutACertificateIsRejected() throws Exception {
    int port = attack(TestTls.of(null, null));
    assertRejectedAndLogged(port, "presented no certificate");
  }

  @Test
  void certificateFromAnotherCaIsRejectedEvenInTheMastersName() throws Exception {
    CertificateAuthority stranger = CertificateAuthority.create("it", Instant.now());
    KeyPair pair = CertificateAuthority.newKeyPair();
    X509Certificate forged = stranger.issue("it", "master", pair.getPublic(), Instant.now());
    int port = attack(TestTls.of(pair.getPrivate(), forged));
    assertRejectedAndLogged(port, "sha256=" + CertificateIdentity.fingerprint(forged), "not issued by this cluster's CA");
  }

  @Test
  void expiredMasterCertificateIsRejected() throws Exception {
    CertificateAuthority ca = CertificateAuthority.load(new TlsFiles(cluster.caDir()));
    KeyPair pair = CertificateAuthority.newKeyPair();
    Instant then = Instant.now().minus(Duration.ofDays(800));
    X509Certificate expired = ca.issue("it", "master", pair.getPublic(), then, then.plus(Duration.ofDays(730)));
    int port = attack(TestTls.of(pair.getPrivate(), expired));
    assertRejectedAndLogged(port, "sha256=" + CertificateIdentity.fingerprint(expired), "expired on");
  }

  /**
   * slave2's own, valid certificate: since any node may be promoted (failover), the TLS handshake
   * passes, but a HELLO in the master's name (the certificate says slave2) or in its own name at
   * the epoch the master holds is refused, and nothing it sends after the HELLO is applied.
   */
  @Test
  void slaveCannotActAsTheMaster() throws Exception {
    SSLContext slave2 = TestTls.of(cluster.stateDir("slave2"));
    assertThat(refusal(slave2, "master")).contains("is not the master here", "certificate authenticated 'slave2'");
    assertThat(refusal(slave2, "slave2")).contains("'slave2' claims to be master at epoch 0", "follows 'master'");
    assertThat(cluster.docroot("slave1").resolve("evil")).doesNotExist();
  }

  /** Dials slave1 with {@code ctx}, sends the script in {@code from}'s name, returns the refusal's reason. */
  private String refusal(SSLContext ctx, String from) throws Exception {
    try (SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(slave1.host(), slave1.port())) {
      tls.setSoTimeout(10_000);
      OutputStream out = tls.getOutputStream();
      out.write(masterScript(from));
      out.flush();
      java.io.DataInputStream in = new java.io.DataInputStream(tls.getInputStream());
      byte[] body = new byte[in.readInt()];
      in.readFully(body);
      Message.HelloReply reply = (Message.HelloReply) org.replicator.core.wire.FrameReader.decode(body);
      assertThat(reply.accepted()).isFalse();
      assertThat(reply.epoch()).isZero();
      assertThat(reply.master()).isEqualTo("master");
      return reply.reason();
    }
  }

  @Test
  void plainTcpPeerIsRejectedBeforeItsFramesAreParsed() throws Exception {
    int port;
    try (Socket plain = new Socket(slave1.host(), slave1.port())) {
      plain.setSoTimeout(10_000);
      port = plain.getLocalPort();
      plain.getOutputStream().write(masterScript());
      assertThat(closedByPeer(plain.getInputStream())).isTrue();
    }
    assertRejectedAndLogged(port, "not TLS");
  }

  /** The master dials slave1's address and meets slave2's certificate: it ends the handshake. */
  @Test
  void masterRefusesAServerThatIsNotTheSlaveItDialled() throws Exception {
    cluster.stop("slave1");
    AtomicInteger applicationBytes = new AtomicInteger();
    AtomicInteger handshakes = new AtomicInteger();
    try (SSLServerSocket impostor = TestTls.listen(TestTls.of(cluster.stateDir("slave2")), slave1.host(), slave1.port())) {
      Thread t = new Thread(() -> {
        try (SSLSocket s = (SSLSocket) impostor.accept()) {
          handshakes.incrementAndGet();
          s.setSoTimeout(10_000);
          while (s.getInputStream().read() >= 0) {
            applicationBytes.incrementAndGet();
          }
        } catch (IOException e) {
          // The master aborts the handshake: that is the expected end.
        }
      }, "impostor");
      t.start();
      cluster.start("master");
      await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(slaveOne().get("lastError")).contains("belongs to node 'slave2'"));
      assertThat(String.valueOf(slaveOne().get("lastError"))).contains("sha256=").contains("only slave 'slave1'");
      t.join(15_000);
      assertThat(handshakes.get()).isEqualTo(1);
      assertThat(applicationBytes.get()).as("no HELLO reached the impostor").isZero();
    }
    cluster.start("slave1");
  }

  @SuppressWarnings("unchecked")
  private java.util.Map<String, Object> slaveOne() {
    for (var s : (java.util.List<java.util.Map<String, Object>>) cluster.master().status(false).get("slaves")) {
      if ("slave1".equals(s.get("name"))) {
        return s;
      }
    }
    throw new AssertionError("no slave1 in the master's status");
  }

  /** Connects with {@code ctx}, sends the master's script and returns the local port used. */
  private int attack(SSLContext ctx) throws Exception {
    try (Socket tcp = new Socket(slave1.host(), slave1.port())) {
      tcp.setSoTimeout(10_000);
      try (SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(tcp, slave1.host(), slave1.port(), false)) {
        try {
          // TLS 1.3: our side of the handshake completes before the slave has judged our
          // certificate, so the frames below are sent; they must never be decrypted.
          tls.startHandshake();
          OutputStream out = tls.getOutputStream();
          out.write(masterScript());
          out.flush();
          assertThat(closedByPeer(tls.getInputStream())).isTrue();
        } catch (IOException e) {
          // Rejected while we were still writing: just as good.
        }
      }
      return tcp.getLocalPort();
    }
  }

  /** HELLO in the master's name, then a batch that would create {@code evil/}. */
  private byte[] masterScript() {
    return masterScript("master");
  }

  /** HELLO in {@code from}'s name at epoch 0, then a batch that would create {@code evil/}. */
  private byte[] masterScript(String from) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.writeBytes(FrameWriter.encode(new Message.Hello(Protocol.MAJOR, Protocol.MINOR, "it", from, "slave1",
        cluster.config().replicationHash(), false, 0)));
    b.writeBytes(FrameWriter.encode(new Message.BatchBegin(1, 0, 1)));
    b.writeBytes(FrameWriter.encode(new Message.OpMessage(new Op.Mkdir("evil", new Meta(0755, 0, -1, -1)))));
    b.writeBytes(FrameWriter.encode(new Message.BatchEnd(1)));
    return b.toByteArray();
  }

  /** True once the slave closed the connection without answering a single frame. */
  private static boolean closedByPeer(InputStream in) {
    try {
      return in.read() < 0;
    } catch (IOException e) {
      return !(e instanceof java.net.SocketTimeoutException);
    }
  }

  private void assertRejectedAndLogged(int localPort, String... reason) {
    String peer = "peer=/127.0.0.1:" + localPort + " ";
    await().atMost(Duration.ofSeconds(10)).until(() -> !slaveLog.containing(peer, "rejected at the TLS handshake").isEmpty());
    String[] all = new String[reason.length + 2];
    all[0] = peer;
    all[1] = "rejected at the TLS handshake";
    System.arraycopy(reason, 0, all, 2, reason.length);
    assertThat(slaveLog.containing(all)).as("log lines: %s", slaveLog.lines()).hasSize(1);
    // Nothing it sent was parsed: no HELLO check, no session.
    assertThat(slaveLog.containing(peer, "refused:")).isEmpty();
    assertThat(slaveLog.containing(peer, "connected")).isEmpty();
    assertThat(String.valueOf(cluster.slave("slave1").status(false).get("lastError"))).contains("rejected connection from");
  }
}
