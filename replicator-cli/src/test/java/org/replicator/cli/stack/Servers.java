package org.replicator.cli.stack;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.replicator.core.testing.HaproxyAdmin;

/**
 * The server processes of one stack test, each in the foreground with its output in a log file,
 * stopped by their own process handle (SIGTERM, then SIGKILL after 20 s), last started first.
 */
final class Servers implements AutoCloseable {
  private final Path logs;
  private final Deque<Process> started = new ArrayDeque<>();

  Servers(Path logs) throws IOException {
    this.logs = Files.createDirectories(logs);
  }

  Process start(String name, List<String> command) throws IOException {
    Process p = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(Redirect.appendTo(logs.resolve(name + ".log").toFile()))
        .start();
    started.push(p);
    return p;
  }

  static void stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  String log(String name) throws IOException {
    Path f = logs.resolve(name + ".log");
    return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
  }

  /** Every server's log, for a failure message. */
  String logs() throws IOException {
    StringBuilder all = new StringBuilder();
    try (var files = Files.list(logs)) {
      for (Path f : files.sorted().toList()) {
        all.append("---- ").append(f.getFileName()).append('\n').append(Files.readString(f, StandardCharsets.UTF_8));
      }
    }
    return all.toString();
  }

  /** The {@code status} column of HAProxy's {@code show stat} for {@code backend}/{@code server}, "" while unknown. */
  static String haproxyStatus(Path adminSocket, String backend, String server) {
    return HaproxyAdmin.status(adminSocket, backend, server);
  }

  @Override
  public void close() throws InterruptedException {
    while (!started.isEmpty()) {
      stop(started.pop());
    }
  }
}
