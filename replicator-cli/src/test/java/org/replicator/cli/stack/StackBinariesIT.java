package org.replicator.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.stack.StackGenerator;

/**
 * Every file {@code replicator generate} writes is accepted by the real server from Debian's
 * packages: haproxy, nginx, php-fpm8.2, mariadbd, memcached and systemd-analyze, with the local
 * include files an operator adds in place.
 */
class StackBinariesIT {
  /** The options of Percona XtraDB Cluster 8.0's documentation that MariaDB does not have. */
  static final Set<String> PXC_DOCUMENTED = Set.of("pxc_strict_mode", "pxc_encrypt_cluster_traffic", "wsrep_applier_threads");

  @TempDir Path dir;

  @Test
  void haproxyAcceptsTheFileWithTlsAndALocalAddition() throws Exception {
    Path haproxy = Binaries.require("haproxy", "haproxy");
    Path openssl = Binaries.require("openssl", "openssl");
    StackLab lab = new StackLab(dir, "mariadb", true);
    lab.createCertificate(openssl);
    lab.generate("haproxy");
    assertThat(lab.generated("lb1", "haproxy/haproxy.cfg")).content().contains("ssl crt " + lab.certificate(),
        "http-request redirect scheme https code 301 if !{ ssl_fc }");
    Path local = lab.generated("lb1", "haproxy/local.d");
    Files.writeString(local.resolve("local.cfg"), "backend local_extra\n    server x 127.0.0.1:1 disabled\n");
    lab.generate("haproxy");
    assertThat(local.resolve("local.cfg")).as("generate never overwrites local.d").content().startsWith("backend local_extra");
    Binaries.Run r = Binaries.run(30, List.of(haproxy.toString(), "-c", "-f", lab.generated("lb1", "haproxy/haproxy.cfg").toString(),
        "-f", local.toString()));
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("Configuration file is valid").doesNotContain("WARNING");
  }

  @Test
  void nginxAcceptsEveryWebNodesFile() throws Exception {
    Path nginx = Binaries.require("nginx", "nginx");
    Binaries.requireRoot();
    StackLab lab = new StackLab(dir, "mariadb");
    lab.generate("nginx");
    for (String node : StackLab.WEB) {
      Files.writeString(lab.generated(node, "nginx/local.d/headers.conf"), "add_header X-Local-Addition yes;\n");
      Path prefix = StackLab.dir(dir.resolve("nginx-prefix-" + node));
      Binaries.Run r = Binaries.run(30, List.of(nginx.toString(), "-t", "-p", prefix + "/", "-c", lab.generated(node, "nginx/nginx.conf").toString()));
      assertThat(r.exit()).as(node + ": " + r.output()).isZero();
      assertThat(r.output()).contains("syntax is ok").contains("test is successful").doesNotContain("[warn]");
    }
  }

  @Test
  void phpFpmAcceptsEveryWebNodesFiles() throws Exception {
    Path fpm = Binaries.require("php-fpm8.2", "php8.2-fpm");
    StackLab lab = new StackLab(dir, "mariadb");
    lab.generate("php");
    for (String node : StackLab.WEB) {
      Binaries.Run r = Binaries.run(30, List.of(fpm.toString(), "-t", "-y", lab.generated(node, "php/php-fpm.conf").toString()));
      assertThat(r.exit()).as(node + ": " + r.output()).isZero();
      assertThat(r.output()).contains("test is successful");
      assertThat(lab.generated(node, "php/replicator-health.php")).hasSameTextualContentAs(Path.of("..", "config", "replicator-health.php"));
      assertThat(lab.generated(node, "php/opcache-invalidate.php")).hasSameTextualContentAs(Path.of("..", "config", "opcache-invalidate.php"));
    }
    assertThat(lab.generated("web1", "php/pool.conf")).content().contains("php_admin_value[session.save_handler] = memcached",
        "php_admin_value[session.save_path] = \"127.0.0.1:" + lab.memcachedPort + "\"");
  }

  @Test
  void mariadbdAcceptsTheMariaDbFile() throws Exception {
    Path mariadbd = Binaries.require("mariadbd", "mariadb-server");
    StackLab lab = new StackLab(dir, "mariadb");
    lab.generate("galera");
    Binaries.Run r = checkOptions(mariadbd, lab.generated("db1", "mysql/galera.cnf"));
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).doesNotContain("[ERROR]").doesNotContain("unknown variable");
    assertThat(options(lab.generated("db1", "mysql/galera.cnf"))).contains("wsrep_on", "wsrep_provider", "binlog_format",
        "innodb_autoinc_lock_mode", "wsrep_sst_method", "wsrep_cluster_address");
  }

  @Test
  void thePxcFileCarriesExactlyThePxcOptionsAndMariaDbRejectsOnlyThose() throws Exception {
    Path mariadbd = Binaries.require("mariadbd", "mariadb-server");
    StackLab maria = new StackLab(Files.createDirectory(dir.resolve("maria")), "mariadb");
    StackLab pxc = new StackLab(Files.createDirectory(dir.resolve("pxc")), "pxc");
    maria.generate("galera");
    pxc.generate("galera");
    Path pxcFile = pxc.generated("db1", "mysql/galera.cnf");
    Set<String> onlyPxc = new TreeSet<>(options(pxcFile));
    onlyPxc.removeAll(options(maria.generated("db1", "mysql/galera.cnf")));
    onlyPxc.removeIf(o -> o.startsWith("ssl-")); // the certificates of cluster-traffic encryption: both servers know them
    assertThat(onlyPxc).isEqualTo(new TreeSet<>(PXC_DOCUMENTED)).isEqualTo(new TreeSet<>(StackGenerator.PXC_ONLY_OPTIONS));
    assertThat(Files.readString(pxcFile)).contains("wsrep_sst_method = xtrabackup-v2", "pxc_strict_mode = ENFORCING",
        "pxc_encrypt_cluster_traffic = ON");

    Binaries.Run r = checkOptions(mariadbd, pxcFile);
    Set<String> rejected = new TreeSet<>();
    Matcher m = Pattern.compile("unknown variable '([a-z_-]+)=").matcher(r.output());
    while (m.find()) {
      rejected.add(m.group(1));
    }
    assertThat(rejected).as(r.output()).isEqualTo(new TreeSet<>(PXC_DOCUMENTED));
  }

  @Test
  void memcachedRunsWithTheGeneratedOptions() throws Exception {
    Path memcached = Binaries.require("memcached", "memcached");
    Binaries.requireRoot();
    StackLab lab = new StackLab(dir, "mariadb");
    lab.generate("memcached");
    Process p = new ProcessBuilder(lab.memcachedCommand(memcached)).redirectErrorStream(true).redirectOutput(dir.resolve("memcached.log").toFile()).start();
    try {
      String stats = await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> ask(lab.memcachedPort, "stats\r\n"), s -> s.contains("END"));
      assertThat(stats).contains("STAT limit_maxbytes " + 64L * 1024 * 1024);
    } finally {
      p.destroy();
      p.waitFor();
    }
  }

  @Test
  void systemdAcceptsTheDropInsOnTheShippedUnitAndTheGaleraCheckUnits() throws Exception {
    Path analyze = Binaries.require("systemd-analyze", "systemd");
    StackLab lab = new StackLab(dir, "mariadb");
    lab.generate("systemd", "galera-check", "nginx", "php", "haproxy");
    for (String node : StackLab.WEB) {
      // The shipped template unit, with a program that exists here (verify checks ExecStart).
      Path units = StackLab.dir(dir.resolve("units-" + node));
      String unit = installedPrograms(Files.readString(Path.of("..", "config", "replicator@.service")));
      Files.writeString(units.resolve("replicator@.service"), unit);
      Path dropins = units.resolve("replicator@" + node + ".service.d");
      Files.createDirectories(dropins);
      Path generatedDropin = lab.generated(node, "systemd/replicator@" + node + ".service.d/50-replicator-stack.conf");
      Files.copy(generatedDropin, dropins.resolve("50-replicator-stack.conf"));
      Files.createSymbolicLink(units.resolve("replicator@" + node + ".service"), Path.of("replicator@.service"));
      // --man=no: the unit's Documentation=man:replicator-agent(1) exists once the package is
      // installed (DebPackageIT verifies it there, man page included), not in a build tree.
      Binaries.Run r = Binaries.run(30, List.of(analyze.toString(), "verify", "--man=no", units.resolve("replicator@" + node + ".service").toString()));
      assertThat(r.exit()).as(r.output()).isZero();
      assertThat(r.output()).as("no complaint").isBlank();
      assertThat(Files.readString(generatedDropin)).contains("ReadWritePaths=\nReadWritePaths=" + lab.docroot(node) + " " + dir.resolve("state-" + node),
          "RequiresMountsFor=" + lab.docroot(node) + " " + dir.resolve("state-" + node));
    }
    // Debian's own units with the generated drop-ins: they run the generated files.
    for (String unit : List.of("nginx.service", "php8.2-fpm.service", "haproxy.service")) {
      Path debian = Path.of("/lib/systemd/system", unit);
      if (!Files.exists(debian)) {
        Binaries.require(unit, unit.replace(".service", "")); // fails in CI, skips elsewhere
      }
      Path units = StackLab.dir(dir.resolve("debian-units-" + unit));
      Files.copy(debian, units.resolve(unit));
      Path dropins = Files.createDirectories(units.resolve(unit + ".d"));
      String node = unit.equals("haproxy.service") ? "lb1" : "web1";
      Files.copy(lab.generated(node, "systemd/" + unit + ".d/50-replicator-stack.conf"), dropins.resolve("50-replicator-stack.conf"));
      Binaries.Run r = Binaries.run(30, List.of(analyze.toString(), "verify", units.resolve(unit).toString()));
      assertThat(r.exit()).as(unit + ": " + r.output()).isZero();
      assertThat(r.output()).as(unit + ": no complaint").isBlank();
    }
    assertThat(lab.generated("web1", "systemd/nginx.service.d/50-replicator-stack.conf")).content()
        .contains("ExecStart=/usr/sbin/nginx -c " + lab.generated("web1", "nginx/nginx.conf"), "PIDFile=" + dir.resolve("web1/run/nginx.pid"));

    Path socket = lab.generated("db1", "systemd/galera-check-db1.socket");
    Binaries.Run r = Binaries.run(30, List.of(analyze.toString(), "verify", socket.toString(), lab.generated("db1", "systemd/galera-check-db1@.service").toString()));
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).as("no complaint").isBlank();
    assertThat(Files.readString(socket)).contains("ListenStream=127.0.0.1:" + lab.checkPort, "Accept=yes");
  }

  /**
   * The unit with each Exec*= program that is not installed here (replicator itself) replaced by
   * /bin/true: verify checks that programs exist, and this test is about the drop-in.
   */
  static String installedPrograms(String unit) {
    Matcher m = Pattern.compile("(?m)^(Exec[A-Za-z]*=[-@:+!]*)(/\\S+)").matcher(unit);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String program = Files.isExecutable(Path.of(m.group(2))) ? m.group(2) : "/bin/true";
      m.appendReplacement(out, Matcher.quoteReplacement(m.group(1) + program));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** mariadbd reads every option of the file and checks names and values, without starting. */
  private static Binaries.Run checkOptions(Path mariadbd, Path file) throws Exception {
    return Binaries.run(60, List.of(mariadbd.toString(), "--defaults-file=" + file, "--help", "--verbose"));
  }

  /** The option names of a my.cnf's [mysqld] section. */
  private static Set<String> options(Path cnf) throws IOException {
    Set<String> names = new TreeSet<>();
    boolean mysqld = false;
    for (String line : Files.readAllLines(cnf)) {
      String l = line.trim();
      if (l.startsWith("[")) {
        mysqld = l.equals("[mysqld]");
      } else if (mysqld && !l.isEmpty() && !l.startsWith("#") && !l.startsWith("!")) {
        names.add(l.split("[ =]", 2)[0]);
      }
    }
    return names;
  }

  private static String ask(int port, String command) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      s.setSoTimeout(5000);
      OutputStream o = s.getOutputStream();
      o.write(command.getBytes(StandardCharsets.US_ASCII));
      o.flush();
      InputStream in = s.getInputStream();
      StringBuilder b = new StringBuilder();
      byte[] buf = new byte[8192];
      int n;
      while (!b.toString().contains("END\r\n") && (n = in.read(buf)) > 0) {
        b.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
      }
      return b.toString();
    }
  }
}
