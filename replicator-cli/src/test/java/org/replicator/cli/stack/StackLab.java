package org.replicator.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.replicator.cli.Main;
import picocli.CommandLine;

/**
 * A whole cluster on 127.0.0.1 for the stack tests: a cluster file whose every path lies under one
 * base folder and whose every port is free, and {@code replicator generate} run on it (in-process,
 * through the same command line as bin/replicator). Folders are world-traversable: the servers run
 * as www-data and mysql.
 *
 * <p>Layout: {@code cluster.yaml}; {@code out/<node>/} the generated files (and the stack_dir, so
 * the files find each other); {@code docroot-webN/}, {@code state-webN/}; {@code webN/run|log|cache};
 * {@code db1/data}, {@code db1/mysqld.sock}; {@code lb1/admin.sock}.
 */
final class StackLab {
  static final List<String> WEB = List.of("web1", "web2");
  final Path base;
  final Path out;
  final Path file;
  final int lbHttp;
  final int lbStats;
  final int lbMysql;
  final int[] web = new int[2];
  final int[] local = new int[2];
  final int[] agentCheck = new int[2];
  final int[] agentPort = new int[2];
  final int dbPort;
  final int galeraPort;
  final int sstPort;
  final int checkPort;
  final int memcachedPort;
  private final Set<Integer> taken = new HashSet<>();

  /** @param flavor mariadb or pxc */
  StackLab(Path base, String flavor) throws IOException {
    this(base, flavor, false);
  }

  /** @param tls whether HAProxy gets an https frontend too (its certificate: {@link #createCertificate}) */
  StackLab(Path base, String flavor, boolean tls) throws IOException {
    this.base = base;
    this.out = base.resolve("out");
    this.file = base.resolve("cluster.yaml");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    lbHttp = freePort();
    lbStats = freePort();
    lbMysql = freePort();
    for (int i = 0; i < 2; i++) {
      web[i] = freePort();
      local[i] = freePort();
      agentCheck[i] = freePort();
      agentPort[i] = freePort();
    }
    dbPort = freePort();
    galeraPort = freePairOfPorts();
    sstPort = freePort();
    checkPort = freePort();
    memcachedPort = freePort();
    StringBuilder y = new StringBuilder();
    y.append("cluster: lab\n");
    y.append("stack_dir: ").append(out).append('\n');
    y.append("transport: plain\n");
    y.append("nodes:\n");
    for (int i = 0; i < 2; i++) {
      String n = WEB.get(i);
      y.append("  - name: ").append(n).append('\n');
      y.append("    role: ").append(i == 0 ? "master" : "slave").append('\n');
      y.append("    host: 127.0.0.1\n");
      y.append("    port: ").append(agentPort[i]).append('\n');
      y.append("    docroot: ").append(docroot(n)).append('\n');
      y.append("    state_dir: ").append(base.resolve("state-" + n)).append('\n');
      y.append("    agent_check: 127.0.0.1:").append(agentCheck[i]).append('\n');
      y.append("    http: 127.0.0.1:").append(web[i]).append('\n');
      y.append("    local_http: 127.0.0.1:").append(local[i]).append('\n');
      y.append("    run_dir: ").append(base.resolve(n + "/run")).append('\n');
      y.append("    log_dir: ").append(base.resolve(n + "/log")).append('\n');
      y.append("    cache_dir: ").append(base.resolve(n + "/cache")).append('\n');
    }
    y.append("site: {server_name: www.example.test, aliases: [example.test], max_upload_mb: 8}\n");
    y.append("load_balancer:\n  name: lb1\n  host: 127.0.0.1\n");
    y.append("  http: 127.0.0.1:").append(lbHttp).append('\n');
    y.append("  stats: 127.0.0.1:").append(lbStats).append('\n');
    y.append("  admin_socket: ").append(base.resolve("lb1/admin.sock")).append('\n');
    y.append("  mysql: 127.0.0.1:").append(lbMysql).append('\n');    if (tls) {
      y.append("  https: 127.0.0.1:").append(freePort()).append('\n');
      y.append("  tls_certificate: ").append(certificate()).append('\n');
    }

    y.append("database:\n  flavor: ").append(flavor).append("\n  buffer_pool_mb: 32\n  nodes:\n");
    y.append("    - name: db1\n      host: 127.0.0.1\n      port: ").append(dbPort).append('\n');
    y.append("      data_dir: ").append(base.resolve("db1/data")).append('\n');
    y.append("      socket: ").append(base.resolve("db1/mysqld.sock")).append('\n');
    y.append("      galera_port: ").append(galeraPort).append('\n');
    y.append("      sst_port: ").append(sstPort).append('\n');
    y.append("      check_port: ").append(checkPort).append('\n');
    y.append("memcached: {name: cache1, listen: 127.0.0.1:").append(memcachedPort).append("}\n");
    Files.writeString(file, y.toString(), StandardCharsets.UTF_8);
    for (String n : WEB) {
      for (String d : List.of("run", "log", "cache")) {
        dir(base.resolve(n + "/" + d));
      }
      dir(docroot(n));
    }
    dir(base.resolve("lb1"));
  }

  Path certificate() {
    return base.resolve("lb1/site.pem");
  }

  /** A self-signed certificate and its key in one PEM, as HAProxy's crt takes them (openssl). */
  void createCertificate(Path openssl) throws Exception {
    Path key = base.resolve("lb1/site.key");
    Path crt = base.resolve("lb1/site.crt");
    Binaries.Run r = Binaries.run(60, List.of(openssl.toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
        "-out", crt.toString(), "-subj", "/CN=www.example.test", "-days", "2"));
    assertThat(r.exit()).as(r.output()).isZero();
    Files.writeString(certificate(), Files.readString(crt) + Files.readString(key));
  }

  Path docroot(String node) {
    return base.resolve("docroot-" + node);
  }

  /** {@code replicator generate --config FILE --out OUT [what...]}; asserts exit 0. */
  void generate(String... what) {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(new StringWriter()));
    String[] args = new String[4 + what.length];
    args[0] = "generate";
    args[1] = "--config=" + file;
    args[2] = "--out";
    args[3] = out.toString();
    System.arraycopy(what, 0, args, 4, what.length);
    assertThat(cl.execute(args)).as("generate: %s", err).isZero();
  }

  /** memcached with the options of the generated memcached.conf, one per line as Debian's file has them. */
  List<String> memcachedCommand(Path memcached) throws IOException {
    List<String> command = new ArrayList<>(List.of(memcached.toString()));
    for (String line : Files.readAllLines(generated("cache1", "memcached/memcached.conf"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        command.addAll(List.of(line.trim().split(" ", 2)));
      }
    }
    return command;
  }

  Path generated(String node, String path) {
    return out.resolve(node).resolve(path);
  }

  static Path dir(Path p) throws IOException {
    Files.createDirectories(p);
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    return p;
  }

  private int freePort() throws IOException {
    while (true) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (taken.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
  }

  /** A port whose next port is free too (Galera's IST listens on galera_port + 1). */
  private int freePairOfPorts() throws IOException {
    while (true) {
      int p = freePort();
      if (p < 65535 && !taken.contains(p + 1)) {
        try (ServerSocket s = new ServerSocket(p + 1, 1, InetAddress.getLoopbackAddress())) {
          taken.add(p + 1);
          return p;
        } catch (IOException e) {
          // taken by someone else: try another
        }
      }
    }
  }
}
