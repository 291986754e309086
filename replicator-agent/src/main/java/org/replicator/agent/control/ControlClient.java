package org.replicator.agent.control;

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
import java.nio.file.Path;
import java.util.Map;

/** The CLI's side of {@link ControlServer}: one request, one answer. */
public final class ControlClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ControlClient() {}

  /** Thrown when no agent answers on the socket (exit code 3). */
  public static final class UnreachableException extends IOException {
    public UnreachableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  public static JsonNode call(Path stateDir, Map<String, Object> request) throws IOException {
    Path socket = ControlServer.socketPath(stateDir);
    SocketChannel ch;
    try {
      ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      ch.connect(UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      throw new UnreachableException("no agent answers on " + socket + " (" + e.getMessage() + "); is it running? (systemctl status replicator)", e);
    }
    try (ch) {
      OutputStream out = Channels.newOutputStream(ch);
      out.write(JSON.writeValueAsBytes(request));
      out.write('\n');
      out.flush();
      InputStream in = Channels.newInputStream(ch);
      byte[] answer = in.readAllBytes();
      JsonNode node = JSON.readTree(new String(answer, StandardCharsets.UTF_8));
      if (node == null || !node.path("ok").asBoolean(false)) {
        throw new IOException("agent refused: " + (node == null ? "empty answer" : node.path("error").asText()));
      }
      return node.path("result");
    }
  }
}
