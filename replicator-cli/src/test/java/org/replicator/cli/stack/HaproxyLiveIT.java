package org.replicator.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.health.Freshness;
import org.replicator.core.health.Verdict;

/**
 * The generated HAProxy in front of two nodes running the generated Nginx and PHP-FPM, on
 * loopback. Each node's PHP says which node answered. The replicator agents are stood in for by
 * what HAProxy and Nginx read from them: a freshness file rewritten every half second and an
 * agent-check answer the test sets. Shows: admin, login, logged-in and REST-write requests always
 * reach the master; other requests are spread over both; a node whose agent-check says drain
 * stops getting visitors; a stopped node is taken out and brought back; an upload missing on the
 * slave is served from the master; a slave refuses /wp-admin/ and nobody serves /.replicator/;
 * PHP sessions live in the generated memcached; the opcache hook's endpoint answers on loopback.
 */
class HaproxyLiveIT {
  @TempDir Path dir;

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).followRedirects(HttpClient.Redirect.NEVER).build();
  private Servers servers;
  private final AtomicReferenceArray<String> agentAnswer = new AtomicReferenceArray<>(new String[] {"up ready\n", "up ready\n"});

  @Test
  void theMasterGetsWritesTheRestIsSpreadAndNodesLeaveAndComeBack() throws Exception {
    Path haproxy = Binaries.require("haproxy", "haproxy");
    Path nginx = Binaries.require("nginx", "nginx");
    Path fpm = Binaries.require("php-fpm8.2", "php8.2-fpm");
    Path memcached = Binaries.require("memcached", "memcached");
    Binaries.requireRoot();
    StackLab lab = new StackLab(dir, "mariadb");
    lab.generate("haproxy", "nginx", "php", "memcached");
    for (String node : StackLab.WEB) {
      site(lab.docroot(node), node);
    }
    Path upload = StackLab.dir(lab.docroot("web1").resolve("wp-content/uploads/2026/12")).resolve("just-uploaded.jpg");
    Files.writeString(upload, "image bytes from web1");

    ScheduledExecutorService agents = Executors.newScheduledThreadPool(3);
    List<ServerSocket> checks = new ArrayList<>();
    try (Servers servers = new Servers(dir.resolve("logs"))) {
      this.servers = servers;
      for (int i = 0; i < 2; i++) {
        String node = StackLab.WEB.get(i);
        Path docroot = lab.docroot(node);
        agents.scheduleAtFixedRate(() -> writeFreshness(docroot, node), 0, 500, TimeUnit.MILLISECONDS);
        checks.add(agentCheck(agents, lab.agentCheck[i], i));
      }
      servers.start("memcached", lab.memcachedCommand(memcached));
      Process[] nginxes = new Process[2];
      for (int i = 0; i < 2; i++) {
        String node = StackLab.WEB.get(i);
        servers.start("php-fpm-" + node, List.of(fpm.toString(), "--nodaemonize", "--fpm-config", lab.generated(node, "php/php-fpm.conf").toString()));
        nginxes[i] = startNginx(servers, nginx, lab, node);
      }
      Path admin = dir.resolve("lb1/admin.sock");
      // -W (master-worker, as the Debian unit runs it): SIGUSR2 reloads, as `systemctl reload haproxy`.
      Process lb = servers.start("haproxy", List.of(haproxy.toString(), "-W", "-db", "-f", lab.generated("lb1", "haproxy/haproxy.cfg").toString(),
          "-f", lab.generated("lb1", "haproxy/local.d").toString()));
      awaitStatus(admin, "web", "web1", "UP");
      awaitStatus(admin, "web", "web2", "UP");
      awaitStatus(admin, "master", "web1", "UP");

      assertThat(servedBy(lab, 12, "GET", "/", "")).as("visitors are spread").containsExactlyInAnyOrder("web1", "web2");
      assertThat(servedBy(lab, 8, "GET", "/wp-json/wp/v2/posts", "")).as("REST reads are spread").containsExactlyInAnyOrder("web1", "web2");
      assertThat(servedBy(lab, 6, "GET", "/wp-admin/", "")).containsExactly("web1");
      HttpResponse<String> bare = request(lab, "GET", "/wp-admin", "");
      assertThat(bare.statusCode()).isEqualTo(301);
      assertThat(bare.headers().firstValue("X-Served-By")).contains("web1");
      assertThat(bare.headers().firstValue("Location")).as("no backend port leaks").contains("/wp-admin/");
      assertThat(servedBy(lab, 6, "POST", "/wp-login.php", "")).containsExactly("web1");
      assertThat(servedBy(lab, 6, "GET", "/wp-cron.php", "")).containsExactly("web1");
      assertThat(servedBy(lab, 6, "POST", "/xmlrpc.php", "")).containsExactly("web1");
      assertThat(servedBy(lab, 6, "POST", "/wp-json/wp/v2/media", "")).as("block editor upload").containsExactly("web1");
      assertThat(servedBy(lab, 6, "POST", "/?rest_route=/wp/v2/posts", "")).containsExactly("web1");
      assertThat(servedBy(lab, 8, "GET", "/", "wordpress_test_cookie=1; wordpress_logged_in_0123abcd=editor%7C1")).as("logged in")
          .containsExactly("web1");

      // Defence in depth on the slave itself, and the agent's folder on every node.
      assertThat(direct(lab.web[1], "/wp-admin/").statusCode()).isEqualTo(403);
      assertThat(direct(lab.web[0], "/wp-admin/").statusCode()).isEqualTo(200);
      assertThat(direct(lab.web[1], "/.replicator/freshness").statusCode()).isEqualTo(404);
      assertThat(direct(lab.web[0], "/.replicator/freshness").statusCode()).isEqualTo(404);
      assertThat(direct(lab.web[1], "/wp-content/plugins/.replicator-swap.hello/hello.php").statusCode()).as("a swap's staging copy never runs")
          .isEqualTo(404);
      assertThat(direct(lab.web[1], "/wp-content/plugins/.replicator-swap.hello/readme.txt").statusCode()).isEqualTo(404);

      // An upload the slave does not have yet comes from the master, whoever answers.
      Set<String> uploadServers = new HashSet<>();
      for (int i = 0; i < 10; i++) {
        HttpResponse<String> r = request(lab, "GET", "/wp-content/uploads/2026/12/just-uploaded.jpg", "");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("image bytes from web1");
        uploadServers.add(r.headers().firstValue("X-Served-By").orElse("?"));
      }
      assertThat(uploadServers).contains("web2");
      assertThat(direct(lab.web[1], "/wp-content/uploads/2026/12/just-uploaded.jpg").body()).isEqualTo("image bytes from web1");
      assertThat(direct(lab.web[1], "/wp-content/uploads/2026/12/never-uploaded.jpg").statusCode()).isEqualTo(404);

      // PHP sessions live in the shared memcached: a visitor keeps the session on either node.
      HttpClient visitor = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).cookieHandler(new CookieManager()).build();
      Set<String> sessionNodes = new HashSet<>();
      for (int n = 1; n <= 8; n++) {
        HttpResponse<String> r = visitor.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lab.lbHttp + "/session.php"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        String by = r.headers().firstValue("X-Served-By").orElse("?");
        assertThat(r.body()).as("the session counts every visit, whichever node answers").isEqualTo(by + " visit " + n);
        sessionNodes.add(by);
      }
      assertThat(sessionNodes).containsExactlyInAnyOrder("web1", "web2");

      // The opcache hook's endpoint on the loopback-only server of a node.
      HttpResponse<String> opcache = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lab.local[1] + "/opcache-invalidate.php"))
          .header("X-Replicator-Docroot", lab.docroot("web2").toString()).header("X-Replicator-Truncated", "0")
          .POST(HttpRequest.BodyPublishers.ofString("index.php\0wp-admin/index.php\0")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(opcache.statusCode()).as(opcache.body()).isEqualTo(200);
      assertThat(opcache.body()).matches("invalidated [0-2]\n|opcache off\n");
      assertThat(direct(lab.local[1], "/index.php").statusCode()).as("nothing else there").isEqualTo(404);

      // The slave's agent says drain: no more visitors; ready again: back in rotation.
      agentAnswer.set(1, "up drain # lag 12.0 s\n");
      awaitStatus(admin, "web", "web2", "DRAIN");
      assertThat(servedBy(lab, 8, "GET", "/", "")).containsExactly("web1");
      agentAnswer.set(1, "up ready\n");
      awaitStatus(admin, "web", "web2", "UP");
      assertThat(servedBy(lab, 12, "GET", "/", "")).containsExactlyInAnyOrder("web1", "web2");

      // The slave's web server stops: taken out (visitors still served); started again: back.
      Servers.stop(nginxes[1]);
      awaitStatus(admin, "web", "web2", "DOWN");
      assertThat(servedBy(lab, 8, "GET", "/", "")).containsExactly("web1");
      nginxes[1] = startNginx(servers, nginx, lab, "web2");
      awaitStatus(admin, "web", "web2", "UP");
      assertThat(servedBy(lab, 12, "GET", "/", "")).containsExactlyInAnyOrder("web1", "web2");

      // A failover moved the master role to web2 (docs/operations.md, "Load balancer after a
      // failover"): role: master on web2 in the file, regenerate, reload Nginx and HAProxy.
      String yaml = Files.readString(lab.file);
      Files.writeString(lab.file, yaml.replace("role: master", "role: tmp").replace("role: slave", "role: master").replace("role: tmp", "role: slave"));
      lab.generate("haproxy", "nginx");
      for (Process p : nginxes) {
        signal(p, "HUP");
      }
      signal(lb, "USR2");
      awaitStatus(admin, "master", "web2", "UP");
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(direct(lab.web[0], "/wp-admin/").statusCode()).as("web1 is a slave now").isEqualTo(403);
        assertThat(direct(lab.web[1], "/wp-admin/").statusCode()).isEqualTo(200);
      });
      assertThat(servedBy(lab, 6, "GET", "/wp-admin/", "")).containsExactly("web2");
      assertThat(servedBy(lab, 6, "POST", "/wp-login.php", "")).containsExactly("web2");
      assertThat(servedBy(lab, 12, "GET", "/", "")).as("visitors still spread").containsExactlyInAnyOrder("web1", "web2");
    } finally {
      agents.shutdownNow();
      for (ServerSocket s : checks) {
        s.close();
      }
    }
  }

  /** {@code kill -SIG pid}: the reloads an operator's systemctl reload sends. */
  private static void signal(Process p, String sig) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
    assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s %d", sig, p.pid()).isTrue();
  }

  private Process startNginx(Servers servers, Path nginx, StackLab lab, String node) throws IOException {
    Path prefix = StackLab.dir(dir.resolve("nginx-prefix-" + node));
    return servers.start("nginx-" + node, List.of(nginx.toString(), "-p", prefix + "/", "-c", lab.generated(node, "nginx/nginx.conf").toString(),
        "-g", "daemon off;"));
  }

  /** A WordPress-shaped docroot whose PHP says which node answered. */
  private static void site(Path docroot, String node) throws IOException {
    String php = "<?php header('Content-Type: text/plain'); echo '" + node + " ' . $_SERVER['REQUEST_METHOD'] . ' ' . $_SERVER['REQUEST_URI'];\n";
    for (String file : List.of("index.php", "wp-login.php", "wp-cron.php", "xmlrpc.php", "wp-admin/index.php")) {
      Path p = docroot.resolve(file);
      StackLab.dir(p.getParent());
      Files.writeString(p, php);
    }
    Files.writeString(docroot.resolve("session.php"), "<?php session_start(); $_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;"
        + " header('Content-Type: text/plain'); echo '" + node + " visit ' . $_SESSION['n'];\n");
    StackLab.dir(docroot.resolve(".replicator"));
    // A plugin half rebuilt beside the live one (a directory swap in progress on a slave).
    Path staged = StackLab.dir(docroot.resolve("wp-content/plugins/.replicator-swap.hello")).resolve("hello.php");
    Files.writeString(staged, php);
    Files.writeString(staged.resolveSibling("readme.txt"), "half a version");
  }

  /** What a replicator agent keeps current for the health URL: up, no lag, heartbeat now. */
  private static void writeFreshness(Path docroot, String node) {
    try {
      long now = System.currentTimeMillis();
      Freshness f = new Freshness(node, 1, now, Verdict.UP, 0, true, 1, now, 10, 60, 15);
      Path temp = docroot.resolve(".replicator/freshness.tmp");
      Files.writeString(temp, f.format());
      Files.move(temp, docroot.resolve(Freshness.RELATIVE_PATH), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new IllegalStateException(e); // stops this schedule: the health check then fails and the test with it
    }
  }

  /** A stand-in for the agent's agent-check endpoint: the line the test set, then close. */
  private ServerSocket agentCheck(ScheduledExecutorService pool, int port, int index) throws IOException {
    ServerSocket server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
    pool.execute(() -> {
      while (!server.isClosed()) {
        try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
          out.write(agentAnswer.get(index).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
          return; // closed at the end of the test
        }
      }
    });
    return server;
  }

  private Set<String> servedBy(StackLab lab, int times, String method, String path, String cookie) throws Exception {
    Set<String> nodes = new HashSet<>();
    for (int i = 0; i < times; i++) {
      HttpResponse<String> r = request(lab, method, path, cookie);
      assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isEqualTo(200);
      String by = r.headers().firstValue("X-Served-By").orElse("?");
      assertThat(r.body()).as("the header names the node whose PHP answered").startsWith(by + " " + method + " ");
      nodes.add(by);
    }
    return nodes;
  }

  private HttpResponse<String> request(StackLab lab, String method, String path, String cookie) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lab.lbHttp + path)).timeout(Duration.ofSeconds(10))
        .method(method, HttpRequest.BodyPublishers.noBody());
    if (!cookie.isEmpty()) {
      b.header("Cookie", cookie);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> direct(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private void awaitStatus(Path admin, String backend, String server, String expected) throws IOException {
    try {
      await(backend + "/" + server + " " + expected).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> Servers.haproxyStatus(admin, backend, server), s -> s.equals(expected) || s.startsWith(expected + " ("));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(e.getMessage() + "\n" + servers.logs(), e);
    }
  }
}
