package org.replicator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code replicator generate}: DIR/&lt;node&gt;/..., deterministic, idempotent, local files kept, exit 2 on errors. */
class GenerateCommandTest {
  static final Path EXAMPLE = Path.of("..", "config", "cluster.example.yaml");
  @TempDir Path dir;


  @Test
  void theShippedExampleGeneratesEveryNodesFiles() throws Exception {
    CliRun r = CliRun.of("generate", "--config", EXAMPLE.toString(), "--out", dir.resolve("out").toString());
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("for 8 nodes");
    Map<String, String> tree = tree(dir.resolve("out"));
    assertThat(tree).containsKeys("lb1/haproxy/haproxy.cfg", "lb1/haproxy/local.d/local.cfg",
        "web1/nginx/nginx.conf", "web2/nginx/nginx.conf", "web3/nginx/nginx.conf", "web1/nginx/local.d/local.conf",
        "web1/php/php-fpm.conf", "web1/php/pool.conf", "web1/php/local.d/local.conf", "web1/php/replicator-health.php",
        "web1/php/opcache-invalidate.php", "web1/systemd/replicator@web1.service.d/50-replicator-stack.conf",
        "web2/systemd/nginx.service.d/50-replicator-stack.conf", "web2/systemd/php8.2-fpm.service.d/50-replicator-stack.conf",
        "db1/mysql/galera.cnf", "db1/mysql/local.d/local.cnf", "db1/galera-check/galera-check",
        "db1/systemd/galera-check-db1.socket", "db1/systemd/galera-check-db1@.service", "db3/mysql/galera.cnf",
        "cache1/memcached/memcached.conf");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("out/db1/galera-check/galera-check"))))
        .isEqualTo("rwxr-xr-x");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("out/lb1/haproxy/haproxy.cfg"))))
        .isEqualTo("rw-r--r--");
  }

  @Test
  void aSecondRunChangesNothingAndAnotherFolderGetsTheSameBytes() throws Exception {
    Path out = dir.resolve("out");
    assertThat(CliRun.of("generate", "--config", EXAMPLE.toString(), "--out", out.toString()).exit()).isZero();
    Map<String, String> first = tree(out);
    Path cfg = out.resolve("lb1/haproxy/haproxy.cfg");
    Files.setLastModifiedTime(cfg, FileTime.fromMillis(1_000_000_000_000L));

    CliRun again = CliRun.of("generate", "--config", EXAMPLE.toString(), "--out", out.toString());
    assertThat(again.exit()).isZero();
    assertThat(again.out()).contains("(0 changed)");
    assertThat(tree(out)).isEqualTo(first);
    assertThat(Files.getLastModifiedTime(cfg).toMillis()).as("an unchanged file is not rewritten").isEqualTo(1_000_000_000_000L);

    Path other = dir.resolve("elsewhere/out");
    assertThat(CliRun.of("generate", "--config", EXAMPLE.toString(), "--out", other.toString()).exit()).isZero();
    assertThat(tree(other)).isEqualTo(first);
  }

  @Test
  void anEditedGeneratedFileIsRestoredAndTheOperatorsLocalFileIsKept() throws Exception {
    Path out = dir.resolve("out");
    CliRun.of("generate", "--config", EXAMPLE.toString(), "--out", out.toString(), "nginx");
    Path conf = out.resolve("web2/nginx/nginx.conf");
    String generated = Files.readString(conf);
    Files.writeString(conf, "edited by hand\n");
    Path local = out.resolve("web2/nginx/local.d/local.conf");
    Files.writeString(local, "add_header X-Mine 1;\n");

    CliRun r = CliRun.of("generate", "--config", EXAMPLE.toString(), "--out", out.toString(), "nginx");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("(1 changed)");
    assertThat(conf).hasContent(generated.stripTrailing());
    assertThat(local).hasContent("add_header X-Mine 1;");
    assertThat(tree(out).keySet()).allMatch(p -> p.matches("web[123]/nginx/.*"), "only nginx files were asked for");
  }

  @Test
  void aFileWithErrorsWritesNothingAndExitsTwo() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, Files.readString(EXAMPLE).replace("  name: lb1\n", "  name: web2\n"));
    CliRun r = CliRun.of("generate", "--config", bad.toString(), "--out", dir.resolve("out").toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("bad.yaml:").contains("load_balancer.name: 'web2' is already the name of nodes[1].name");
    assertThat(dir.resolve("out")).doesNotExist();
  }

  @Test
  void aTargetWhoseSectionIsMissingOrUnknownIsAUsageError() throws Exception {
    Path plain = dir.resolve("plain.yaml");
    Files.writeString(plain, "cluster: t\ndocroot: /var/www/t\nnodes:\n"
        + "  - {name: m, role: master, host: 10.0.0.1, port: 8730}\n  - {name: s, role: slave, host: 10.0.0.2, port: 8730}\n");
    CliRun missing = CliRun.of("generate", "--config", plain.toString(), "--out", dir.resolve("out").toString(), "haproxy");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("load_balancer: missing: generate haproxy needs it");
    CliRun unknown = CliRun.of("generate", "--config", plain.toString(), "--out", dir.resolve("out").toString(), "apache");
    assertThat(unknown.exit()).isEqualTo(2);
    assertThat(unknown.err()).contains("'apache' is not one of haproxy, nginx, php, galera, galera-check, memcached, systemd, wordpress, all");
    assertThat(dir.resolve("out")).doesNotExist();

    CliRun all = CliRun.of("generate", "--config", plain.toString(), "--out", dir.resolve("out").toString());
    assertThat(all.exit()).as("all = what the file describes: the drop-ins").isZero();
    assertThat(tree(dir.resolve("out")).keySet()).containsExactlyInAnyOrder(
        "m/systemd/replicator@m.service.d/50-replicator-stack.conf", "s/systemd/replicator@s.service.d/50-replicator-stack.conf");
  }

  @Test
  void aSymlinkLeadingOutOfTheOutputFolderIsRefused() throws Exception {
    Path out = Files.createDirectories(dir.resolve("out"));
    Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
    Files.createSymbolicLink(out.resolve("lb1"), elsewhere);
    CliRun r = CliRun.of("generate", "--config", EXAMPLE.toString(), "--out", out.toString(), "haproxy");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("refusing to write").contains(out.resolve("lb1") + " is a symlink");
    try (Stream<Path> files = Files.list(elsewhere)) {
      assertThat(files).as("nothing written through the link").isEmpty();
    }
  }

  private static Map<String, String> tree(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(p).toString(), Files.readString(p));
      }
    }
    return files;
  }
}
