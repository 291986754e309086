package org.replicator.agent.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.replicator.agent.Agent;
import org.replicator.agent.master.MasterAgent;
import org.replicator.agent.role.RoleHost;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local control endpoint the CLI talks to: a Unix socket {@code control.sock} in the node's
 * state_dir (mode 0600 inside a 0700 directory: only the agent's user and root reach it). On top of
 * the file permissions, each client's credentials ({@code SO_PEERCRED}) are checked, so that a
 * loosened directory or socket mode still lets no other user in. One JSON request line, one JSON
 * answer line; see docs/operations.md for the commands and fields.
 *
 * <p>Threads: one acceptor, and one short-lived thread per request, at most {@link #MAX_CLIENTS}
 * at once (a {@code wait} may block for its timeout); a {@code verify} or {@code resync} has a
 * second thread that notices when its client hangs up, and then cancels it.
 */
public final class ControlServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
  static final int MAX_CLIENTS = 16;
  private static final int MAX_REQUEST = 4096;
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Requests that run long and are cancelled when their client hangs up. */
  private static final Set<String> WATCHED = Set.of("verify", "resync");

  private final Agent agent;
  private final Path socket;
  private final Semaphore clients = new Semaphore(MAX_CLIENTS);
  private ServerSocketChannel server;
  /** The agent's user (the socket's owner); with root, the only users a client may run as. */
  private UserPrincipal owner;
  private Thread acceptor;
  private volatile boolean running = true;

  public ControlServer(Agent agent) {
    this.agent = agent;
    this.socket = socketPath(agent.stateDir());
  }

  public static Path socketPath(Path stateDir) {
    return stateDir.resolve("control.sock");
  }

  public void start() throws IOException {
    Files.deleteIfExists(socket);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    owner = Files.getOwner(socket);
    acceptor = new Thread(this::accept, "replicator-control");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void accept() {
    while (running) {
      try {
        SocketChannel client = server.accept();
        String refusal = checkPeer(client);
        if (refusal != null) {
          log.warn("control socket {}: {}", socket, refusal);
          reply(client, error(refusal));
          client.close();
          continue;
        }
        if (!clients.tryAcquire()) {
          reply(client, error("too many control clients"));
          client.close();
          continue;
        }
        Thread t = new Thread(() -> {
          try (client) {
            serve(client);
          } catch (IOException e) {
            log.debug("control client: {}", e.toString());
          } finally {
            clients.release();
          }
        }, "replicator-control-client");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        if (running) {
          log.warn("control socket {}: {}", socket, e.toString());
        }
      }
    }
  }

  /** Null when the client runs as the agent's user or root, else why it is refused. */
  private String checkPeer(SocketChannel client) {
    try {
      UnixDomainPrincipal peer = client.getOption(ExtendedSocketOptions.SO_PEERCRED);
      String user = peer.user().getName();
      if (user.equals(owner.getName()) || user.equals("root")) {
        return null;
      }
      return "refused a client running as user '" + user + "': only '" + owner.getName() + "' (the agent's user) and root may use it";
    } catch (IOException | UnsupportedOperationException e) {
      return "refused a client whose user cannot be checked (" + e + ")";
    }
  }

  private void serve(SocketChannel client) throws IOException {
    BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(client), StandardCharsets.UTF_8));
    char[] buf = new char[MAX_REQUEST];
    int n = 0;
    int c;
    while (n < MAX_REQUEST && (c = in.read()) >= 0 && c != '\n') {
      buf[n++] = (char) c;
    }
    Map<String, Object> answer;
    if (n == MAX_REQUEST) {
      // Read the rest of the line (bounded) so that closing does not reset the connection and
      // lose the answer.
      for (int skipped = 0; skipped < (1 << 20) && (c = in.read()) >= 0 && c != '\n'; skipped++) {
        // discarded
      }
      reply(client, error("request longer than " + MAX_REQUEST + " bytes"));
      return;
    }
    try {
      JsonNode request = JSON.readTree(new String(buf, 0, n));
      CompletableFuture<Void> clientGone = new CompletableFuture<>();
      if (WATCHED.contains(request.path("command").asText(""))) {
        watchForHangUp(client, clientGone);
      }
      answer = handle(request, clientGone);
    } catch (Exception e) {
      if (e.getMessage() == null) {
        log.warn("control request failed without a message", e); // a bug: the stack trace is for the report
      }
      answer = error(e.getMessage() == null ? "the agent failed on this request; its log has the details" : e.getMessage());
    }
    reply(client, answer);
  }

  /**
   * Completes {@code gone} when the client closes its end (a CLI interrupted or killed): a client
   * sends nothing after its request line, so the read returns only at end of stream, or fails
   * once this side closed the connection after answering (then nothing waits on {@code gone}).
   * The read goes to the channel itself, not through a stream: a stream would hold the channel's
   * blocking lock and stall the answer.
   */
  private static void watchForHangUp(SocketChannel client, CompletableFuture<Void> gone) {
    Thread t = new Thread(() -> {
      ByteBuffer ignored = ByteBuffer.allocate(64);
      try {
        while (client.read(ignored) >= 0) {
          ignored.clear();
        }
      } catch (IOException e) {
        // closed by us after the answer, or reset by the client: either way it is gone
      }
      gone.complete(null);
    }, "replicator-control-hangup");
    t.setDaemon(true);
    t.start();
  }

  private Map<String, Object> handle(JsonNode request, CompletableFuture<Void> clientGone) throws Exception {
    String command = request.path("command").asText("");
    Map<String, Object> ok = new LinkedHashMap<>();
    ok.put("ok", true);
    switch (command) {
      case "status" -> ok.put("result", agent.status(request.path("verbose").asBoolean(false)));
      case "wait" -> {
        MasterAgent master = requireMaster(command);
        long timeout = request.path("timeoutMillis").asLong(60_000);
        boolean done = master.awaitAllApplied(timeout);
        ok.put("result", Map.of("applied", done));
      }
      case "confirm-delete" -> ok.put("result", requireMaster(command).confirmDelete());
      case "pause" -> ok.put("result", requireMaster(command).setPaused(true));
      case "resume" -> ok.put("result", requireMaster(command).setPaused(false));
      case "verify", "resync" -> {
        MasterAgent master = requireMaster(command);
        String slave = request.path("slave").asText("");
        long timeout = request.path("timeoutMillis").asLong(command.equals("verify") ? 600_000 : 3_600_000);
        ok.put("result", master.checkTrees(slave, command.equals("resync"), timeout, clientGone));
      }
      case "promote" -> {
        if (!(agent instanceof RoleHost host)) {
          throw new IllegalArgumentException("this agent's role is fixed; it cannot be promoted");
        }
        ok.put("result", host.promote(request.path("force").asBoolean(false), request.path("timeoutMillis").asLong(120_000)));
      }
      case "reload" -> {
        String file = request.path("config").asText("");
        if (file.isEmpty() || !file.startsWith("/")) {
          throw new IllegalArgumentException("reload needs \"config\": the absolute path of the cluster file");
        }
        // Loading validates the whole file: an invalid one throws here, naming file, line and key.
        ok.put("result", agent.reload(org.replicator.core.config.ClusterConfigLoader.load(Path.of(file))));
      }
      default -> {
        return error("unknown command '" + command + "'");
      }
    }
    return ok;
  }

  private MasterAgent requireMaster(String command) {
    Agent running = agent instanceof RoleHost host ? host.current() : agent;
    if (running instanceof MasterAgent m) {
      return m;
    }
    throw new IllegalArgumentException("'" + command + "' is answered by the master's agent, this node is a slave");
  }

  private static Map<String, Object> error(String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", false);
    m.put("error", message);
    return m;
  }

  private static void reply(SocketChannel client, Map<String, Object> answer) throws IOException {
    OutputStream out = Channels.newOutputStream(client);
    out.write(JSON.writeValueAsBytes(answer));
    out.write('\n');
    out.flush();
  }

  @Override
  public void close() {
    running = false;
    try {
      if (server != null) {
        server.close();
        // Only the socket this server bound: a refused second agent must not unlink the first one's.
        Files.deleteIfExists(socket);
      }
    } catch (IOException e) {
      log.debug("closing control socket: {}", e.toString());
    }
  }
}
