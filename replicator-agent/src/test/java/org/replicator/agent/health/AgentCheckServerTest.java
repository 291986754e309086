package org.replicator.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.replicator.agent.net.Transport;
import org.replicator.core.config.Endpoint;

/** The agent-check endpoint speaks HAProxy's protocol and nothing sent to it matters. */
class AgentCheckServerTest {
  private final AtomicReference<String> answer = new AtomicReference<>("up ready\n");
  private EventLoopGroup group;
  private AgentCheckServer server;
  private InetSocketAddress address;

  @BeforeEach
  void start() throws Exception {
    group = Transport.newGroup(1);
    server = new AgentCheckServer(new Endpoint("127.0.0.1", 0), group, answer::get);
    server.start();
    address = server.localAddress();
  }

  @AfterEach
  void stop() {
    server.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private String read(Socket s) throws IOException {
    s.setSoTimeout(5000);
    return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
  }

  @Test
  void answersOneLineOnConnectAndEndsTheStream() throws Exception {
    try (Socket s = new Socket(address.getAddress(), address.getPort())) {
      assertThat(read(s)).isEqualTo("up ready\n");
    }
    answer.set("down # no master connection for 61.0 s\n");
    try (Socket s = new Socket(address.getAddress(), address.getPort())) {
      assertThat(read(s)).isEqualTo("down # no master connection for 61.0 s\n");
    }
  }

  @Test
  void whateverThePeerSendsIsIgnored() throws Exception {
    try (Socket s = new Socket(address.getAddress(), address.getPort())) {
      OutputStream out = s.getOutputStream();
      out.write("drain\nmaint\nGET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(read(s)).isEqualTo("up ready\n");
    }
    try (Socket s = new Socket(address.getAddress(), address.getPort())) {
      assertThat(read(s)).as("the next answer is unchanged").isEqualTo("up ready\n");
    }
  }

  @Test
  void peerThatKeepsSendingIsCutOffAfterTheDiscardLimit() throws Exception {
    try (Socket s = new Socket(address.getAddress(), address.getPort())) {
      s.setSoTimeout(5000);
      InputStream in = s.getInputStream();
      byte[] line = new byte["up ready\n".length()];
      assertThat(in.readNBytes(line, 0, line.length)).isEqualTo(line.length);
      byte[] junk = new byte[AgentCheckHandler.MAX_DISCARD + 1];
      try {
        s.getOutputStream().write(junk);
        s.getOutputStream().flush();
      } catch (IOException e) {
        return; // already closed by the server: also fine
      }
      assertThat(in.read()).as("end of stream, then closed").isEqualTo(-1);
    }
  }

  @Test
  void connectionsPastTheCapAreClosedAtOnce() throws Exception {
    List<Socket> held = new ArrayList<>();
    try {
      // Silent clients that never read nor close: the server keeps each up to its linger time.
      for (int i = 0; i < AgentCheckServer.MAX_CONNECTIONS + 4; i++) {
        held.add(new Socket(address.getAddress(), address.getPort()));
      }
      int answered = 0;
      for (Socket s : held) {
        if (read(s).equals("up ready\n")) {
          answered++;
        }
      }
      assertThat(answered).isBetween(1, AgentCheckServer.MAX_CONNECTIONS);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
