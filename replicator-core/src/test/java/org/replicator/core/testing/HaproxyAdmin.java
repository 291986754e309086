package org.replicator.core.testing;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * HAProxy's runtime API over its admin socket, for the tests that run a real HAProxy (agent's
 * agent-check test, cli's stack tests): one command and its whole answer, and a server's status.
 */
public final class HaproxyAdmin {
  private HaproxyAdmin() {}

  /** Sends {@code command} (newline-terminated) and returns everything HAProxy answers. */
  public static String command(Path socket, String command) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ch.write(ByteBuffer.wrap(command.getBytes(StandardCharsets.US_ASCII)));
      StringBuilder out = new StringBuilder();
      ByteBuffer buf = ByteBuffer.allocate(16384);
      while (ch.read(buf) >= 0) {
        buf.flip();
        out.append(StandardCharsets.US_ASCII.decode(buf));
        buf.clear();
      }
      return out.toString();
    }
  }

  /** The {@code status} column of {@code show stat} for {@code backend}/{@code server}; "" while unknown or still starting. */
  public static String status(Path socket, String backend, String server) {
    String csv;
    try {
      csv = command(socket, "show stat\n");
    } catch (IOException e) {
      return ""; // haproxy still starting
    }
    String[] lines = csv.split("\n");
    List<String> header = Arrays.asList(lines[0].replaceFirst("^# ", "").split(","));
    int status = header.indexOf("status");
    for (String line : lines) {
      String[] f = line.split(",", -1);
      if (status >= 0 && f.length > status && f[0].equals(backend) && f[1].equals(server)) {
        return f[status];
      }
    }
    return "";
  }
}
