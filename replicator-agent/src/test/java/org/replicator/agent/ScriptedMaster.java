package org.replicator.agent;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.wire.FrameReader;
import org.replicator.core.wire.FrameWriter;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;

/**
 * A scripted master for hostile-peer tests: a TLS socket with the cluster master's real certificate,
 * speaking the real framing, so that what it sends reaches the slave's parser as a compromised or
 * buggy master's would.
 */
final class ScriptedMaster implements AutoCloseable {
  final Socket socket;
  final DataInputStream in;

  ScriptedMaster(InProcessCluster cluster, NodeConfig slave) throws Exception {
    socket = TestTls.connect(TestTls.of(cluster.stateDir("master")), slave.host(), slave.port());
    in = new DataInputStream(socket.getInputStream());
  }

  /** Connected, with a HELLO the slave accepts (the cluster's real hash and names). */
  static ScriptedMaster greeted(InProcessCluster cluster, NodeConfig slave) throws Exception {
    ScriptedMaster peer = new ScriptedMaster(cluster, slave);
    peer.send(new Message.Hello(Protocol.MAJOR, Protocol.MINOR, cluster.config().cluster(), cluster.config().master().name(), slave.name(),
        cluster.config().replicationHash(), false, 0));
    Message.HelloReply reply = (Message.HelloReply) peer.receive();
    if (!reply.accepted()) {
      peer.close();
      throw new AssertionError("the slave refused the scripted master's HELLO: " + reply.reason());
    }
    return peer;
  }

  void send(Message m) throws IOException {
    sendRaw(FrameWriter.encode(m));
  }

  void sendRaw(byte[] bytes) throws IOException {
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
  }

  Message receive() throws Exception {
    int length = in.readInt();
    byte[] body = new byte[length];
    in.readFully(body);
    return FrameReader.decode(ByteBuffer.wrap(body));
  }

  Message receiveSkippingPings() throws Exception {
    Message m;
    do {
      m = receive();
    } while (m instanceof Message.Ping || m instanceof Message.Pong);
    return m;
  }

  /** True once the slave closed the connection (after at most an error frame or two). */
  boolean closedByPeer() throws Exception {
    List<Message> seen = new ArrayList<>();
    try {
      while (true) {
        seen.add(receive());
        if (seen.size() > 10) {
          return false;
        }
      }
    } catch (EOFException | java.net.SocketException | javax.net.ssl.SSLException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  /** The slave's next message other than a ping, or null once it closed the connection instead. */
  Message closedByPeerOrReply() throws Exception {
    try {
      return receiveSkippingPings();
    } catch (EOFException | java.net.SocketException | javax.net.ssl.SSLException e) {
      return null;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
