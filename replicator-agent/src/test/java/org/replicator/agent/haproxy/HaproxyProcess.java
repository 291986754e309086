package org.replicator.agent.haproxy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.replicator.core.testing.HaproxyAdmin;

/**
 * A real haproxy in the foreground ({@code -db}), stopped through its own process handle, with an
 * admin stats socket to read a server's state. Tests skip when haproxy is not installed.
 */
final class HaproxyProcess implements AutoCloseable {
  private final Path dir;
  private final Process process;

  private HaproxyProcess(Path dir, Process process) {
    this.dir = dir;
    this.process = process;
  }

  /** The haproxy binary, if installed (Debian: /usr/sbin, not always on a user's PATH). */
  static Optional<Path> binary() {
    for (String candidate : List.of("/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return Optional.of(Path.of(candidate));
      }
    }
    return Optional.empty();
  }

  /** {@code backendServers} are whole {@code server ...} lines of backend {@code web}. */
  static HaproxyProcess start(Path dir, int frontendPort, String backendServers) throws IOException {
    Files.createDirectories(dir);
    String cfg = "global\n"
        + "  stats socket " + dir.resolve("admin.sock") + " mode 600 level admin\n"
        + "defaults\n"
        + "  mode http\n"
        + "  timeout connect 1s\n"
        + "  timeout client 5s\n"
        + "  timeout server 5s\n"
        + "frontend www\n"
        + "  bind 127.0.0.1:" + frontendPort + "\n"
        + "  default_backend web\n"
        + "backend web\n"
        + backendServers;
    Path file = dir.resolve("haproxy.cfg");
    Files.writeString(file, cfg, StandardCharsets.UTF_8);
    Process p = new ProcessBuilder(binary().orElseThrow().toString(), "-f", file.toString(), "-db")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("haproxy.log").toFile())
        .start();
    return new HaproxyProcess(dir, p);
  }

  /** The {@code status} column of {@code show stat} for backend web's {@code server}, or "" while unknown. */
  String status(String server) {
    Path socket = dir.resolve("admin.sock");
    if (!Files.exists(socket) || !process.isAlive()) {
      return "";
    }
    return HaproxyAdmin.status(socket, "web", server);
  }

  String log() throws IOException {
    return Files.readString(dir.resolve("haproxy.log"), StandardCharsets.UTF_8);
  }


  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
