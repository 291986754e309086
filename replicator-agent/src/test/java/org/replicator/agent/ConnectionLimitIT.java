package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.net.SessionLimits;
import org.replicator.agent.slave.SlaveAgent;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.wire.FrameReader;
import org.replicator.core.wire.FrameWriter;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;

/**
 * A peer that opens too many connections, sends its handshake one byte at a time, or stalls
 * after authenticating is cut off by the connection limit, the handshake deadline and the read
 * timeout (shortened here through {@link SessionLimits}); only its connections close, and the real
 * master replicates afterwards.
 */
class ConnectionLimitIT {
  @TempDir Path dir;
  InProcessCluster cluster;
  NodeConfig slave1;

  @BeforeEach
  void cluster() throws Exception {
    cluster = new InProcessCluster(dir.resolve("cluster"), 1, "");
    Files.writeString(cluster.docroot("master").resolve("index.php"), "<?php");
    slave1 = cluster.config().node("slave1");
  }

  @AfterEach
  void theRealMasterStillGetsIn() throws Exception {
    cluster.start("master");
    assertThat(cluster.awaitApplied()).as("the slave still serves the real master").isTrue();
    assertThat(cluster.differences()).isEmpty();
    cluster.close();
  }

  @Test
  void connectionsBeyondTheLimitAreClosedAtOnceTheOthersAtTheirDeadline() throws Exception {
    SlaveAgent slave = cluster.startSlave("slave1", new SessionLimits(4, 3000, 30));
    List<Socket> waiting = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        Socket s = new Socket(slave1.host(), slave1.port());
        waiting.add(s);
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> slave.pendingConnections() == 4);
      try (Socket fifth = new Socket(slave1.host(), slave1.port())) {
        fifth.setSoTimeout(10_000);
        assertThat(fifth.getInputStream().read()).as("the fifth connection is closed").isEqualTo(-1);
      }
      // The four that came first are still open: the fifth was closed by the limit, not by a deadline.
      for (Socket s : waiting) {
        assertThat(isOpen(s)).isTrue();
      }
      for (Socket s : waiting) {
        s.setSoTimeout(10_000);
        assertThat(s.getInputStream().read()).as("closed at the handshake deadline").isEqualTo(-1);
      }
      // Counted down when each channel has closed, just after the peer saw it close.
      await().atMost(Duration.ofSeconds(5)).until(() -> slave.pendingConnections() == 0);
    } finally {
      for (Socket s : waiting) {
        s.close();
      }
    }
  }

  /** Slow-loris: one byte of a TLS record every 100 ms never looks idle; the deadline cuts it. */
  @Test
  void handshakeSentOneByteAtATimeIsCutByTheDeadline() throws Exception {
    SlaveAgent slave = cluster.startSlave("slave1", new SessionLimits(4, 1500, 30));
    int sent = 0;
    boolean cut = false;
    try (Socket s = new Socket(slave1.host(), slave1.port())) {
      OutputStream out = s.getOutputStream();
      // A TLS handshake record header announcing 512 bytes, then its body, slowly.
      byte[] record = new byte[5 + 512];
      record[0] = 0x16;
      record[1] = 0x03;
      record[2] = 0x01;
      record[3] = 0x02;
      for (int i = 0; i < record.length && !cut; i++) {
        try {
          out.write(record[i]);
          out.flush();
          sent++;
          // The behaviour under test is a peer that is slow on purpose.
          Thread.sleep(100);
        } catch (IOException e) {
          cut = true;
        }
      }
    }
    assertThat(cut).as("the slave closed the connection before the record was complete").isTrue();
    assertThat(sent).as("bytes sent before the cut").isGreaterThan(5).isLessThan(512);
    await().atMost(Duration.ofSeconds(5)).until(() -> slave.pendingConnections() == 0);
  }

  /** An authenticated master that stops in the middle of a frame is cut by the read timeout. */
  @Test
  void masterThatStallsInTheMiddleOfAFrameIsCutByTheReadTimeout() throws Exception {
    SlaveAgent slave = cluster.startSlave("slave1", new SessionLimits(4, 10_000, 2));
    try (SSLSocket s = TestTls.connect(TestTls.of(cluster.stateDir("master")), slave1.host(), slave1.port())) {
      OutputStream out = s.getOutputStream();
      out.write(FrameWriter.encode(new Message.Hello(Protocol.MAJOR, Protocol.MINOR, "it", "master", "slave1",
          cluster.config().replicationHash(), false, 0)));
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      Message reply = read(in);
      assertThat(reply).isInstanceOf(Message.HelloReply.class);
      assertThat(((Message.HelloReply) reply).accepted()).isTrue();
      out.write(new byte[] {0, 0, 0}); // three bytes of a length field, and then nothing
      out.flush();
      assertThat(closedSkippingPings(in)).as("the slave closed the stalled session").isTrue();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> Boolean.FALSE.equals(slave.status(false).get("masterConnected")));
  }

  private static Message read(DataInputStream in) throws Exception {
    int length = in.readInt();
    byte[] body = new byte[length];
    in.readFully(body);
    return FrameReader.decode(ByteBuffer.wrap(body));
  }

  private static boolean closedSkippingPings(DataInputStream in) throws Exception {
    try {
      while (true) {
        Message m = read(in);
        if (!(m instanceof Message.Ping || m instanceof Message.Pong)) {
          return false;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private static boolean isOpen(Socket s) throws IOException {
    s.setSoTimeout(200);
    InputStream in = s.getInputStream();
    try {
      return in.read() >= 0;
    } catch (SocketTimeoutException e) {
      return true;
    }
  }
}
