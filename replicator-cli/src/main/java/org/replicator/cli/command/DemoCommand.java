package org.replicator.cli.command;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.replicator.agent.api.Certificates;
import org.replicator.agent.api.LocalNode;
import org.replicator.cli.ExitCode;
import org.replicator.cli.output.StatusTable;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.config.Role;
import org.replicator.core.scan.TreeComparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code replicator demo}: the embedded default. Builds a one-master, two-slave cluster on loopback
 * under one folder (with its own CA and node certificates: the nodes talk mutual TLS, as a real
 * cluster does), starts the three agents in this JVM, makes a few typical WordPress changes,
 * waits for each on every slave, compares the trees, and shows live status until Ctrl-C.
 */
@Command(name = "demo", description = "Run a 1-master, 2-slave cluster on loopback under --dir and show it replicating.",
    footer = {"", "Exit status: 0 every slave ended identical to the master, 1 otherwise.", "",
        "Examples:", "  replicator demo", "  replicator demo --dir /tmp/replicator-demo --seconds 30"})
public final class DemoCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--dir", paramLabel = "DIR", defaultValue = "replicator-demo", description = "Folder for the docroots, state and cluster file (default ${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--seconds", paramLabel = "N", defaultValue = "0", description = "Stop after N seconds of live status (default: run until Ctrl-C).")
  int seconds;

  private PrintWriter out;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    quietLogs();
    dir = dir.toAbsolutePath();
    Path clusterFile = writeCluster();
    ClusterConfig cluster = ClusterConfigLoader.load(clusterFile);
    Path masterRoot = cluster.docrootOf(cluster.master());
    if (!Files.exists(masterRoot.resolve(".replicator"))) {
      DemoTree.populate(masterRoot);
    }
    say("cluster file " + clusterFile);
    if (cluster.transport() == org.replicator.core.config.TransportMode.TLS) {
      // The same code as `replicator certs`: a demo CA next to the cluster file, each node's key
      // and certificate in its state dir; kept across reruns.
      var certs = Certificates.createAll(cluster, dir.resolve("ca"));
      certs.problems().forEach(p -> say("TLS: " + p));
      say("mutual TLS 1.3 between the nodes; CA " + dir.resolve("ca") + ", each node's key and certificate in its state dir under tls/");
    }
    List<LocalNode> nodes = new ArrayList<>();
    CountDownLatch stop = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stop.countDown();
      shutdown(nodes);
    }, "demo-shutdown");
    // shutdown() runs once: from the hook on Ctrl-C, or below when --seconds ends.
    Runtime.getRuntime().addShutdownHook(hook);
    LocalNode master = null;
    // Slaves first, so that the master finds them listening.
    for (Role role : new Role[] {Role.SLAVE, Role.MASTER}) {
      for (NodeConfig node : cluster.nodes()) {
        if (node.role() != role) {
          continue;
        }
        LocalNode started = LocalNode.start(cluster, node, false);
        nodes.add(started);
        if (started.isMaster()) {
          master = started;
        }
        say("started " + node.role().name().toLowerCase(java.util.Locale.ROOT) + " " + node.name() + " on " + node.host() + ":" + node.port()
            + ", docroot " + cluster.docrootOf(node));
      }
    }
    step(master, "initial sync", () -> {});
    step(master, "edit wp-config.php", () -> Files.writeString(masterRoot.resolve("wp-config.php"),
        "<?php\ndefine('WP_CACHE', true);\n// edited " + System.nanoTime() + "\n", StandardCharsets.UTF_8));
    step(master, "upload 20 images", () -> DemoTree.upload(masterRoot, 20));
    String archive = "archive-" + System.currentTimeMillis(); // a rerun on the same --dir renames again
    step(master, "rename wp-content/uploads/2026 to wp-content/uploads/" + archive, () -> {
      Path from = masterRoot.resolve("wp-content/uploads/2026");
      if (Files.exists(from)) {
        Files.move(from, masterRoot.resolve("wp-content/uploads").resolve(archive));
      }
    });
    step(master, "delete readme.html", () -> Files.deleteIfExists(masterRoot.resolve("readme.html")));
    boolean identical = verify(cluster);
    say("every slave holds the master's tree: " + (identical ? "identical" : "DIFFERENT"));
    say("status (also: replicator status --config " + clusterFile + "); Ctrl-C stops");
    long end = seconds > 0 ? System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
    do {
      out.print(StatusTable.render(new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(master.status(false))));
      out.flush();
    } while (!stop.await(Math.min(2000, Math.max(1, (end - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS) && System.nanoTime() < end);
    if (stop.getCount() == 0) {
      return identical ? ExitCode.OK : ExitCode.BEHIND; // Ctrl-C: the hook is stopping the agents
    }
    Runtime.getRuntime().removeShutdownHook(hook);
    shutdown(nodes);
    return identical ? ExitCode.OK : ExitCode.BEHIND;
  }

  private interface Change {
    void run() throws IOException;
  }

  private void step(LocalNode master, String what, Change change) throws Exception {
    long start = System.nanoTime();
    change.run();
    boolean applied = master.awaitAllApplied(60_000);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    say(String.format(java.util.Locale.ROOT, "%-70s %s in %d ms", what, applied ? "applied on every slave" : "NOT applied", ms));
  }

  private boolean verify(ClusterConfig cluster) throws IOException {
    Path masterRoot = cluster.docrootOf(cluster.master());
    boolean all = true;
    for (NodeConfig slave : cluster.slaves()) {
      List<String> diffs = TreeComparison.differences(masterRoot, cluster.docrootOf(slave), cluster.excludeMatcher());
      if (!diffs.isEmpty()) {
        all = false;
        say(slave.name() + " differs: " + diffs.subList(0, Math.min(5, diffs.size())));
      }
    }
    return all;
  }

  private Path writeCluster() throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve("cluster.yaml");
    if (Files.exists(file)) {
      return file; // keep the ports and state of an earlier run
    }
    StringBuilder y = new StringBuilder();
    y.append("# Written by `replicator demo`: one master and two slaves on loopback.\n");
    y.append("cluster: demo\n");
    y.append("docroot: ").append(dir.resolve("web1")).append('\n');
    y.append("nodes:\n");
    String[] names = {"web1", "web2", "web3"};
    int[] ports = freePorts(names.length);
    for (int i = 0; i < names.length; i++) {
      String name = names[i];
      y.append("  - name: ").append(name).append('\n');
      y.append("    role: ").append(name.equals("web1") ? "master" : "slave").append('\n');
      y.append("    host: 127.0.0.1\n");
      y.append("    port: ").append(ports[i]).append('\n');
      y.append("    docroot: ").append(dir.resolve(name)).append('\n');
      y.append("    state_dir: ").append(dir.resolve("state").resolve(name)).append('\n');
    }
    Files.writeString(file, y.toString(), StandardCharsets.UTF_8);
    return file;
  }

  /** Distinct free loopback ports: every probe socket stays open until all are chosen. */
  private static int[] freePorts(int count) throws IOException {
    ServerSocket[] probes = new ServerSocket[count];
    int[] ports = new int[count];
    try {
      for (int i = 0; i < count; i++) {
        probes[i] = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        ports[i] = probes[i].getLocalPort();
      }
    } finally {
      for (ServerSocket probe : probes) {
        if (probe != null) {
          probe.close();
        }
      }
    }
    return ports;
  }

  private void say(String line) {
    out.println(line);
    out.flush();
  }

  private static synchronized void shutdown(List<LocalNode> nodes) {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close();
    }
    nodes.clear();
  }

  private static void quietLogs() {
    if (org.slf4j.LoggerFactory.getLogger("org.replicator") instanceof ch.qos.logback.classic.Logger logger) {
      logger.setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }

  /** The demo's small WordPress-like tree. */
  static final class DemoTree {
    private DemoTree() {}

    static void populate(Path root) throws IOException {
      Files.createDirectories(root);
      write(root, "index.php", "<?php\ndefine('WP_USE_THEMES', true);\nrequire __DIR__ . '/wp-blog-header.php';\n");
      write(root, "wp-config.php", "<?php\ndefine('DB_NAME', 'wordpress');\n");
      write(root, "readme.html", "<html><body>WordPress</body></html>\n");
      write(root, "wp-content/themes/demo/style.css", "/* Theme Name: Demo */\nbody { color: #333; }\n");
      write(root, "wp-content/themes/demo/functions.php", "<?php\n// theme functions\n");
      write(root, "wp-content/plugins/hello.php", "<?php\n/* Plugin Name: Hello */\n");
      write(root, "wp-content/cache/page-cache.html", "<!-- local to each node: excluded -->\n");
      Files.createSymbolicLink(root.resolve("wp-content/themes/current"), Path.of("demo"));
      Files.createLink(root.resolve("wp-content/plugins/hello-link.php"), root.resolve("wp-content/plugins/hello.php"));
      upload(root, 5);
    }

    static void upload(Path root, int count) throws IOException {
      Path dir = root.resolve("wp-content/uploads/2026/11");
      Files.createDirectories(dir);
      Random random = new Random();
      for (int i = 0; i < count; i++) {
        byte[] image = new byte[20_000 + random.nextInt(200_000)];
        random.nextBytes(image);
        Files.write(dir.resolve("photo-" + System.nanoTime() + ".jpg"), image);
      }
    }

    private static void write(Path root, String path, String content) throws IOException {
      Path file = root.resolve(path);
      Files.createDirectories(file.getParent());
      Files.writeString(file, content, StandardCharsets.UTF_8);
    }
  }
}
