package org.replicator.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real single-node Galera cluster (MariaDB 10.11, galera-4) started from the generated file
 * reaches Synced, and the generated galera-check answers 200 while it is, 503 once the node is
 * desynced ({@code SET GLOBAL wsrep_desync=ON}), 200 again after; the generated HAProxy's MySQL
 * listener takes the node out and back accordingly. socat stands in for the socket unit: one
 * responder per connection, stdin and stdout the connection, as with Accept=yes.
 */
class GaleraLiveIT {
  @TempDir Path dir;

  @Test
  void aNodeStartedFromTheGeneratedFileIsSyncedAndItsCheckSays200Then503WhenDesynced() throws Exception {
    Path mariadbd = Binaries.require("mariadbd", "mariadb-server");
    Path installDb = Binaries.require("mariadb-install-db", "mariadb-server");
    Path client = Binaries.require("mariadb", "mariadb-client");
    Path socat = Binaries.require("socat", "socat");
    Path haproxy = Binaries.require("haproxy", "haproxy");
    Binaries.require("rsync", "rsync"); // the default state transfer, checked by the server at start
    Binaries.requireRoot();
    if (!Files.exists(Path.of("/usr/lib/galera/libgalera_smm.so"))) {
      Binaries.require("libgalera_smm.so", "galera-4"); // fails in CI, skips elsewhere
    }
    StackLab lab = new StackLab(dir, "mariadb");
    lab.generate("galera", "galera-check", "haproxy");
    Path db = StackLab.dir(dir.resolve("db1"));
    Path data = StackLab.dir(db.resolve("data"));
    chownToMysql(db);
    Path cnf = lab.generated("db1", "mysql/galera.cnf");
    Path socket = db.resolve("mysqld.sock");

    try (Servers servers = new Servers(dir.resolve("logs"))) {
      Binaries.Run install = Binaries.run(120, List.of(installDb.toString(), "--no-defaults", "--user=mysql", "--datadir=" + data,
          "--auth-root-authentication-method=socket", "--skip-test-db"));
      assertThat(install.exit()).as(install.output()).isZero();
      servers.start("mariadbd", List.of(mariadbd.toString(), "--defaults-file=" + cnf, "--wsrep-new-cluster",
          "--log-error=" + db.resolve("error.log")));
      await("the node is Synced").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
          .until(() -> status(client, socket, "wsrep_local_state_comment"), "Synced"::equals);
      assertThat(status(client, socket, "wsrep_cluster_size")).isEqualTo("1");
      assertThat(status(client, socket, "wsrep_provider_name")).isEqualTo("Galera");

      servers.start("galera-check", List.of(socat.toString(), "TCP-LISTEN:" + lab.checkPort + ",bind=127.0.0.1,reuseaddr,fork",
          "EXEC:" + lab.generated("db1", "galera-check/galera-check")));
      HttpResponse<String> synced = await("the responder answers").atMost(Duration.ofSeconds(20)).ignoreExceptions()
          .until(() -> check(lab.checkPort), r -> r != null);
      assertThat(synced.statusCode()).as(synced.body()).isEqualTo(200);
      assertThat(synced.body()).contains("db1 is Synced");
      // The generated HAProxy's MySQL listener asks the same responder.
      Path admin = dir.resolve("lb1/admin.sock");
      servers.start("haproxy", List.of(haproxy.toString(), "-db", "-f", lab.generated("lb1", "haproxy/haproxy.cfg").toString()));
      awaitMysql(admin, "UP");

      sql(client, socket, "SET GLOBAL wsrep_desync=ON");
      HttpResponse<String> desynced = await("503 once desynced").atMost(Duration.ofSeconds(20))
          .until(() -> check(lab.checkPort), r -> r.statusCode() == 503);
      assertThat(desynced.body()).contains("Donor/Desynced");
      awaitMysql(admin, "DOWN");

      sql(client, socket, "SET GLOBAL wsrep_desync=OFF");
      await("200 again").atMost(Duration.ofSeconds(20)).until(() -> check(lab.checkPort).statusCode(), c -> c == 200);
      awaitMysql(admin, "UP");
    }
  }

  private static void awaitMysql(Path admin, String expected) {
    await("HAProxy's mysql/db1 " + expected).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> Servers.haproxyStatus(admin, "mysql", "db1"), s -> s.equals(expected));
  }

  private static HttpResponse<String> check(int port) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String status(Path client, Path socket, String name) throws Exception {
    Binaries.Run r = Binaries.run(30, List.of(client.toString(), "--socket=" + socket, "-N", "-B", "-e", "SHOW GLOBAL STATUS LIKE '" + name + "'"));
    if (r.exit() != 0) {
      return "";
    }
    String[] f = r.output().trim().split("\t");
    return f.length == 2 ? f[1] : "";
  }

  private static void sql(Path client, Path socket, String statement) throws Exception {
    Binaries.Run r = Binaries.run(30, List.of(client.toString(), "--socket=" + socket, "-e", statement));
    assertThat(r.exit()).as(r.output()).isZero();
  }

  private static void chownToMysql(Path root) throws IOException {
    UserPrincipalLookupService users = root.getFileSystem().getUserPrincipalLookupService();
    try (Stream<Path> all = Files.walk(root)) {
      for (Path p : all.toList()) {
        Files.setOwner(p, users.lookupPrincipalByName("mysql"));
      }
    }
  }
}
