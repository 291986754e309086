package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.api.ControlClient;
import org.replicator.agent.control.ControlServer;

/**
 * The local control socket: owner-only (file modes, and the client's credentials checked on top),
 * and bad requests get a clear answer, never a crash.
 */
class ControlServerIT {
  @TempDir Path dir;

  private static JsonNode raw(Path socket, String line) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
      ByteBuffer in = ByteBuffer.allocate(64 * 1024);
      while (ch.read(in) >= 0) {
        // until the server closes
      }
      return new ObjectMapper().readTree(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void badRequestsAreAnsweredWithTheReasonAndTheAgentKeepsServing() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "")) {
      Agent slave = cluster.start("slave1");
      ControlServer control = new ControlServer(slave);
      control.start();
      try {
        Path socket = ControlServer.socketPath(slave.stateDir());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");

        JsonNode garbage = raw(socket, "this is not json\n");
        assertThat(garbage.path("ok").asBoolean(true)).isFalse();
        assertThat(garbage.path("error").asText()).isNotEmpty();

        JsonNode unknown = raw(socket, "{\"command\":\"rm -rf\"}\n");
        assertThat(unknown.path("error").asText()).contains("unknown command 'rm -rf'");

        JsonNode tooLong = raw(socket, "{\"command\":\"" + "x".repeat(10_000) + "\"}\n");
        assertThat(tooLong.path("ok").asBoolean(true)).isFalse();

        assertThatThrownBy(() -> ControlClient.call(slave.stateDir(), Map.of("command", "wait")))
            .hasMessageContaining("answered by the master's agent");

        JsonNode status = ControlClient.call(slave.stateDir(), Map.of("command", "status"));
        assertThat(status.path("role").asText()).isEqualTo("slave");
      } finally {
        control.close();
      }
      assertThatThrownBy(() -> ControlClient.call(slave.stateDir(), Map.of("command", "status")))
          .isInstanceOf(ControlClient.UnreachableException.class)
          .hasMessageContaining("control.sock");
    }
  }

  /**
   * Another user (nobody, through setpriv) cannot use the socket: the 0700 state_dir stops it at
   * connect(); and when an operator loosens every mode on the way, the credential check still
   * refuses it. Needs root (to become nobody), setpriv and perl (both essential on Debian).
   */
  @Test
  void anotherUserCannotUseTheControlSocket() throws Exception {
    assumeTrue(AgentEvents.isRoot(), "needs root to run a client as another user");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")) && Files.isExecutable(Path.of("/usr/bin/perl")), "needs setpriv and perl");
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "")) {
      Agent slave = cluster.start("slave1");
      ControlServer control = new ControlServer(slave);
      control.start();
      try {
        Path socket = ControlServer.socketPath(slave.stateDir());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(slave.stateDir()))).isEqualTo("rwx------");

        String blocked = asNobody(socket);
        assertThat(blocked).startsWith("connect failed: Permission denied");

        for (Path p : new Path[] {dir, slave.stateDir()}) {
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
        }
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
        String refused = asNobody(socket);
        assertThat(refused).startsWith("answer: ").contains("\"ok\":false").contains("refused a client running as user 'nobody'")
            .doesNotContain("\"result\"");

        assertThat(ControlClient.call(slave.stateDir(), Map.of("command", "status")).path("role").asText()).isEqualTo("slave");
      } finally {
        control.close();
      }
    }
  }

  /** Connects as uid/gid 65534 and sends a status request; returns what the client printed. */
  private String asNobody(Path socket) throws Exception {
    // SIGPIPE ignored: the agent may refuse and close before the request is written, and perl
    // would otherwise die silently on the write, before it reads the refusal already sent.
    String script = "$SIG{PIPE} = 'IGNORE'; use IO::Socket::UNIX;"
        + "my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or do { print \"connect failed: $!\\n\"; exit 3 };"
        + "print $s \"{\\\"command\\\":\\\"status\\\"}\\n\";"
        + "my $l = <$s>; print \"answer: \", (defined $l ? $l : \"none\\n\"); exit 0;";
    Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/perl", "-e", script,
        socket.toString()).redirectErrorStream(true).start();
    assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }
}
