package org.replicator.agent.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.replicator.agent.control.ControlServer;

/**
 * The CLI's side of {@link ControlServer}: one request, one answer. The connection stays open
 * while the agent works on the request; closing it (the CLI killed or interrupted) tells the agent
 * to give up a long request ({@code verify}, {@code resync}).
 */
public final class ControlClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ControlClient() {}

  /**
   * No agent answered on the socket (exit code 3). The message says what was found (no socket,
   * nothing listening, the connection closed without an answer) and names the socket; the CLI
   * adds the node and the unit to look at.
   */
  public static final class UnreachableException extends IOException {
    public UnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The agent answered and refused the request; the message is the agent's reason. */
  public static final class RefusedException extends IOException {
    public RefusedException(String message) {
      super(message);
    }
  }

  public static JsonNode call(Path stateDir, Map<String, Object> request) throws IOException {
    Path socket = ControlServer.socketPath(stateDir);
    SocketChannel ch;
    try {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      throw new UnreachableException(whyUnreachable(socket, e), e);
    }
    try (ch) {
      OutputStream out = Channels.newOutputStream(ch);
      out.write(JSON.writeValueAsBytes(request));
      out.write('\n');
      out.flush();
      InputStream in = Channels.newInputStream(ch);
      byte[] answer = in.readAllBytes();
      JsonNode node = answer.length == 0 ? null : JSON.readTree(new String(answer, StandardCharsets.UTF_8));
      if (node == null) {
        throw new UnreachableException("the agent closed its control socket " + socket + " without answering (stopping or restarting)", null);
      }
      if (!node.path("ok").asBoolean(false)) {
        throw new RefusedException("the agent refused: " + node.path("error").asText());
      }
      return node.path("result");
    }
  }

  private static String whyUnreachable(Path socket, IOException e) {
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return "its control socket " + socket + " does not exist (the agent is not running, or still starting)";
    }
    String reason = String.valueOf(e.getMessage());
    if (reason.contains("Connection refused")) {
      return "nothing listens on its control socket " + socket + " (the agent stopped or was killed)";
    }
    if (reason.contains("Permission denied")) {
      return "permission denied on its control socket " + socket + " (only the agent's user and root may use it)";
    }
    return "cannot connect to its control socket " + socket + " (" + reason + ")";
  }
}
