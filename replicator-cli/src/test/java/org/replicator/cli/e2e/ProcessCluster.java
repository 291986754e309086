package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.replicator.agent.api.ControlClient;
import org.replicator.agent.tls.ClusterCertificates;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;
import org.replicator.core.config.ConfigException;
import org.replicator.core.config.TransportMode;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.testing.TreeSnapshot;

/**
 * One master ({@code web1}) and two slaves ({@code web2}, {@code web3}) as real agent processes
 * started from the built launcher ({@code bin/replicator agent}), on 127.0.0.1 with ports picked
 * free when the cluster file is written. Everything lives under one base folder: {@code
 * cluster.yaml}, the docroots {@code webN/}, the state dirs {@code state/webN/} (with their TLS
 * material in {@code tls/}), the cluster CA {@code ca/} and the logs {@code logs/webN.log}
 * (stdout and stderr of every start of that node, appended).
 *
 * <p>Processes are tracked in a JVM-wide set destroyed by a shutdown hook, so an aborted test run
 * leaves no agent behind; {@link #close()} stops this cluster's agents. Not thread safe except
 * for {@link #barrier()} and {@link #status()}, which only talk to the control socket.
 */
public final class ProcessCluster implements AutoCloseable {
  public static final String MASTER = "web1";
  public static final List<String> SLAVES = List.of("web2", "web3");
  public static final List<String> NODES = List.of(MASTER, "web2", "web3");

  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "e2e-reaper"));
  }

  /** Exit code and output of one CLI run. */
  public record CliResult(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private final Path base;
  private final Path launcher;
  private final Path clusterFile;
  private final Path logs;
  private final Map<String, Process> running = new ConcurrentHashMap<>();
  private final Map<String, Map<String, String>> environment = new ConcurrentHashMap<>();
  private final ClusterConfig config;
  private final Placement placement;

  /**
   * Where each node runs: its address in the cluster file and the command its agent is started
   * under. The default is every node on 127.0.0.1 in this network namespace; the fault suite puts
   * each node in a namespace of its own ({@code ip netns exec NS ...}).
   */
  public interface Placement {
    Placement LOOPBACK = new Placement() {
      @Override
      public String host(String node) {
        return "127.0.0.1";
      }

      @Override
      public List<String> launchPrefix(String node) {
        return List.of();
      }
    };

    String host(String node);

    /** Words put before {@code bin/replicator agent ...}, e.g. {@code ip netns exec NS}; exec'ing, so the PID stays the agent's. */
    List<String> launchPrefix(String node);
  }

  /** Writes the cluster file and creates every docroot (empty) and the log folder; starts nothing. */
  public ProcessCluster(Path base, String extraYaml) throws IOException {
    this(base, extraYaml, Placement.LOOPBACK);
  }

  /** As {@link #ProcessCluster(Path, String)}, with the nodes placed by {@code placement}. */
  public ProcessCluster(Path base, String extraYaml, Placement placement) throws IOException {
    this.base = base;
    this.placement = placement;
    this.launcher = launcher();
    this.logs = Files.createDirectories(base.resolve("logs"));
    this.clusterFile = base.resolve("cluster.yaml");
    StringBuilder y = new StringBuilder();
    y.append("cluster: e2e\n");
    y.append("docroot: ").append(base.resolve(MASTER)).append('\n');
    y.append(extraYaml);
    y.append("nodes:\n");
    Set<Integer> ports = new HashSet<>();
    for (String name : NODES) {
      int port;
      do {
        port = freePort();
      } while (!ports.add(port));
      y.append("  - name: ").append(name).append('\n');
      y.append("    role: ").append(name.equals(MASTER) ? "master" : "slave").append('\n');
      y.append("    host: ").append(placement.host(name)).append('\n');
      y.append("    port: ").append(port).append('\n');
      y.append("    docroot: ").append(base.resolve(name)).append('\n');
      y.append("    state_dir: ").append(base.resolve("state").resolve(name)).append('\n');
      Files.createDirectories(base.resolve(name));
    }
    Files.writeString(clusterFile, y.toString(), StandardCharsets.UTF_8);
    try {
      this.config = ClusterConfigLoader.load(clusterFile);
      if (config.transport() == TransportMode.TLS) {
        // The code behind `replicator certs --config FILE`: CA in base/ca, node material in each state dir.
        ClusterCertificates.createAll(config, base.resolve("ca"));
      }
    } catch (ConfigException e) {
      throw new AssertionError("the test's own cluster file is refused: " + e.getMessage(), e);
    } catch (java.security.GeneralSecurityException | ClusterCertificates.SetupException e) {
      throw new AssertionError("cannot create the test cluster's TLS material: " + e.getMessage(), e);
    }
  }

  /** {@code bin/replicator}: the failsafe property, else relative to the module folder. */
  public static Path launcher() {
    String property = System.getProperty("replicator.launcher");
    Path path = property != null ? Path.of(property) : Path.of("..", "bin", "replicator");
    assertThat(path).as("launcher (system property replicator.launcher)").isExecutable();
    assertThat(path.getParent().resolve("../replicator-cli/target/replicator.jar"))
        .as("the shaded jar; run mvn package first").exists();
    return path.toAbsolutePath().normalize();
  }

  public static boolean isRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException e) {
      return false;
    }
  }

  public Path base() {
    return base;
  }

  public Path clusterFile() {
    return clusterFile;
  }

  public ClusterConfig config() {
    return config;
  }

  public Path docroot(String node) {
    return base.resolve(node);
  }

  public Path master() {
    return docroot(MASTER);
  }

  public Path stateDir(String node) {
    return base.resolve("state").resolve(node);
  }

  public Path log(String node) {
    return logs.resolve(node + ".log");
  }

  /**
   * Starts the three agents at once (slaves' processes first; the master retries from 100 ms) and
   * returns once every control socket answers: the JVM starts overlap.
   */
  public void startAll() throws IOException {
    for (String slave : SLAVES) {
      launch(slave);
    }
    launch(MASTER);
    for (String node : NODES) {
      awaitControl(node);
    }
  }

  /** Sets an environment variable for {@code node}'s next starts (e.g. NOTIFY_SOCKET). */
  public void environment(String node, String name, String value) {
    environment.computeIfAbsent(node, n -> new ConcurrentHashMap<>()).put(name, value);
  }

  /** Starts {@code node} and returns once its control socket answers. */
  public void start(String node) throws IOException {
    launch(node);
    awaitControl(node);
  }

  private void launch(String node) throws IOException {
    assertThat(running).as("node %s already running", node).doesNotContainKey(node);
    List<String> cmd = new ArrayList<>(placement.launchPrefix(node));
    // SIGHUP at its default, as systemd starts the agent: a build run under nohup would otherwise
    // hand every agent an ignored SIGHUP, and ReloadE2EIT's SIGHUP would do nothing.
    cmd.addAll(List.of("env", "--default-signal=HUP"));
    cmd.addAll(List.of(launcher.toString(), "agent", "--config", clusterFile.toString(), "--node", node));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(environment.getOrDefault(node, Map.of()));
    pb.redirectErrorStream(true);
    pb.redirectOutput(Redirect.appendTo(log(node).toFile()));
    Files.writeString(log(node), "=== e2e: start " + node + " at " + java.time.Instant.now() + "\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    Process p = pb.start();
    LIVE.add(p);
    running.put(node, p);
  }

  private void awaitControl(String node) {
    Process p = running.get(node);
    await("control socket of " + node).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() -> {
      if (!p.isAlive()) {
        throw new AssertionError(node + " exited with " + p.exitValue() + " while starting:\n" + tail(node, 60));
      }
      return answers(node);
    });
  }

  /** SIGKILL: the agent gets no chance to flush, close or clean anything. */
  public void kill(String node) throws InterruptedException {
    Process p = running.remove(node);
    assertThat(p).as("node %s is not running", node).isNotNull();
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("%s died after SIGKILL", node).isTrue();
    LIVE.remove(p);
    appendLog(node, "=== e2e: SIGKILL " + node + " at " + java.time.Instant.now() + ", exit " + p.exitValue());
  }

  /** SIGTERM, the way systemd stops the agent; SIGKILL after 20 s. Returns the exit code. */
  public int stop(String node) throws InterruptedException {
    Process p = running.remove(node);
    assertThat(p).as("node %s is not running", node).isNotNull();
    p.destroy();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      LIVE.remove(p);
      throw new AssertionError(node + " did not stop within 20 s of SIGTERM:\n" + tail(node, 40));
    }
    LIVE.remove(p);
    appendLog(node, "=== e2e: SIGTERM " + node + " at " + java.time.Instant.now() + ", exit " + p.exitValue());
    return p.exitValue();
  }

  /** Sends a signal (STOP, CONT, ...) to a node's process, as an operator's {@code kill -SIG} would. */
  public void signal(String node, String signal) throws IOException, InterruptedException {
    Process p = running.get(node);
    if (p == null) {
      throw new IllegalStateException(node + " is not running");
    }
    int exit = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor();
    if (exit != 0) {
      throw new IOException("kill -" + signal + " " + p.pid() + " exited " + exit);
    }
  }

  /** The PID of {@code node}'s agent (the launcher and {@code env} exec, so it is the JVM's). */
  public long pid(String node) {
    Process p = running.get(node);
    if (p == null) {
      throw new IllegalStateException(node + " is not running");
    }
    return p.pid();
  }

  public boolean isRunning(String node) {
    Process p = running.get(node);
    return p != null && p.isAlive();
  }

  /** Runs {@code bin/replicator args...} to completion (bounded) and returns what it did. */
  public CliResult cli(String... args) {
    return run(launcher, logs, Duration.ofSeconds(150), args);
  }

  /** Runs the launcher with {@code args} in a fresh process; output goes to files, not pipes. */
  public static CliResult run(Path launcher, Path scratch, Duration timeout, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(launcher.toString());
    cmd.addAll(List.of(args));
    try {
      Path out = Files.createTempFile(scratch, "cli-", ".out");
      Path err = Files.createTempFile(scratch, "cli-", ".err");
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.redirectOutput(out.toFile());
      pb.redirectError(err.toFile());
      Process p = pb.start();
      LIVE.add(p);
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new AssertionError(cmd + " did not finish within " + timeout);
        }
      } finally {
        LIVE.remove(p);
      }
      return new CliResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + cmd, e);
    }
  }

  /** Runs any command (not the launcher) to completion, bounded; output captured via files. */
  public static CliResult exec(Path scratch, String... cmd) {
    List<String> all = List.of(cmd);
    try {
      Path out = Files.createTempFile(scratch, "cmd-", ".out");
      Path err = Files.createTempFile(scratch, "cmd-", ".err");
      Process p = new ProcessBuilder(all).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(all + " did not finish within 120 s");
      }
      CliResult r = new CliResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
      Files.delete(out);
      Files.delete(err);
      return r;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + all, e);
    }
  }

  /** {@code replicator wait --config F --timeout S} in its own JVM, as a deploy script runs it. */
  public CliResult waitCli(int timeoutSeconds) {
    return cli("wait", "--config", clusterFile.toString(), "--timeout", Integer.toString(timeoutSeconds));
  }

  /** The barrier through the control socket (what {@code wait} does, without a JVM start). */
  public boolean barrier(long timeoutMillis) throws IOException {
    JsonNode r = ControlClient.call(stateDir(MASTER), Map.of("command", "wait", "timeoutMillis", timeoutMillis));
    return r.path("applied").asBoolean(false);
  }

  /** The master's {@code status} answer. */
  public JsonNode status() throws IOException {
    return status(MASTER);
  }

  public JsonNode status(String node) throws IOException {
    return ControlClient.call(stateDir(node), Map.of("command", "status"));
  }

  public JsonNode slaveStatus(String slave) throws IOException {
    for (JsonNode s : status().path("slaves")) {
      if (s.path("name").asText().equals(slave)) {
        return s;
      }
    }
    throw new AssertionError("no slave " + slave + " in " + status());
  }

  private boolean answers(String node) {
    try {
      status(node);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The full check every scenario ends with: a barrier (through the control socket) succeeds, then
   * each slave's tree equals the master's by {@link TreeSnapshot} (the test fixture, independent of
   * the product's scanner: type, content, mode, mtime ns for files and directories, symlink target,
   * exact hard-link groups, owners when root; excluded paths and {@code .replicator/} skipped), and
   * no temp file is left in any slave's {@code .replicator/tmp}. {@code TreeComparison}, the
   * product's own check, is exercised by the demo test.
   */
  public void assertConverged() throws IOException {
    assertThat(barrier(120_000)).as("barrier; status: %s", statusOrError()).isTrue();
    assertTreesEqual();
    assertNoTempFiles();
  }

  /** What differs between the master's tree and {@code slave}'s (empty when they are equal), as in {@link #assertTreesEqual()}. */
  public List<String> differences(String slave) {
    return differences(List.of(slave));
  }

  /** What differs between the master's tree (snapshot once) and each of {@code slaves}', prefixed with the slave's name. */
  public List<String> differences(List<String> slaves) {
    return differences(slaves, true);
  }

  /**
   * Like {@link #differences(List)} but comparing everything except content (stat only, no file
   * read): anything it finds, the full comparison finds too. A poll looks here first, so that
   * polling a tree that is still moving does not hash it (and slow the agents it waits for).
   */
  public List<String> statDifferences(List<String> slaves) {
    return differences(slaves, false);
  }

  private List<String> differences(List<String> slaves, boolean content) {
    ExcludeFilter filter = config.excludeMatcher();
    TreeSnapshot.Compare compare = isRoot() ? TreeSnapshot.Compare.STRICT.withOwners() : TreeSnapshot.Compare.STRICT;
    TreeSnapshot want = TreeSnapshot.of(master(), excluded(master(), filter), content);
    List<String> out = new ArrayList<>();
    for (String slave : slaves) {
      want.differences(TreeSnapshot.of(docroot(slave), excluded(docroot(slave), filter), content), compare).forEach(d -> out.add(slave + ": " + d));
    }
    return out;
  }

  /** What differs between {@code from}'s tree and {@code to}'s, whichever is master (failover tests). */
  public List<String> differencesBetween(String from, String to) {
    ExcludeFilter filter = config.excludeMatcher();
    TreeSnapshot.Compare compare = isRoot() ? TreeSnapshot.Compare.STRICT.withOwners() : TreeSnapshot.Compare.STRICT;
    TreeSnapshot want = TreeSnapshot.of(docroot(from), excluded(docroot(from), filter));
    return want.differences(TreeSnapshot.of(docroot(to), excluded(docroot(to), filter)), compare).stream().map(d -> to + ": " + d).toList();
  }

  public void assertTreesEqual() throws IOException {
    boolean owners = isRoot();
    ExcludeFilter filter = config.excludeMatcher();
    TreeSnapshot want = TreeSnapshot.of(master(), excluded(master(), filter));
    TreeSnapshot.Compare compare = owners ? TreeSnapshot.Compare.STRICT.withOwners() : TreeSnapshot.Compare.STRICT;
    for (String slave : SLAVES) {
      want.assertSameAs(TreeSnapshot.of(docroot(slave), excluded(docroot(slave), filter)), compare);
    }
  }

  public void assertNoTempFiles() throws IOException {
    for (String slave : SLAVES) {
      assertThat(tempFiles(slave)).as("temp files left on %s", slave).isEmpty();
    }
  }

  /** Entries of {@code <slave docroot>/.replicator/tmp}. */
  public List<Path> tempFiles(String slave) throws IOException {
    Path tmp = docroot(slave).resolve(".replicator").resolve("tmp");
    if (!Files.isDirectory(tmp)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(tmp)) {
      return s.toList();
    }
  }

  private static Predicate<String> excluded(Path root, ExcludeFilter filter) {
    return rel -> rel.equals(".replicator") || filter.excluded(rel, Files.isDirectory(root.resolve(rel), LinkOption.NOFOLLOW_LINKS));
  }

  private String statusOrError() {
    try {
      return status().toPrettyString();
    } catch (IOException e) {
      return e.toString();
    }
  }

  /** The last {@code lines} lines of a node's log. */
  public String tail(String node, int lines) {
    try {
      if (!Files.exists(log(node))) {
        return "(no log)";
      }
      List<String> all = Files.readAllLines(log(node), StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read log: " + e + ")";
    }
  }

  /** Prints every node's log (the end of it) to stdout; called when a test failed. */
  public void printLogs() {
    Map<String, String> out = new LinkedHashMap<>();
    for (String node : NODES) {
      out.put(node, tail(node, 300));
    }
    out.forEach((node, text) -> System.out.println("===== log of " + node + " (" + log(node) + ")\n" + text));
  }

  private void appendLog(String node, String line) {
    try {
      Files.writeString(log(node), line + "\n", StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
    } catch (IOException e) {
      // The log is a debugging aid; a test must not fail because a note could not be added.
    }
  }

  /** Stops every running agent of this cluster: SIGTERM, then SIGKILL after a bound. */
  @Override
  public void close() {
    List<Map.Entry<String, Process>> stopping = new ArrayList<>(running.entrySet());
    running.clear();
    stopping.forEach(e -> e.getValue().destroy());
    for (Map.Entry<String, Process> e : stopping) {
      Process p = e.getValue();
      try {
        if (!p.waitFor(15, TimeUnit.SECONDS)) {
          appendLog(e.getKey(), "=== e2e: no exit 15 s after SIGTERM, SIGKILL");
          p.destroyForcibly();
          p.waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
      LIVE.remove(p);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
