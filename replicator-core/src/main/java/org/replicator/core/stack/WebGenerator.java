package org.replicator.core.stack;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ConfigException;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.config.StackConfig;
import org.replicator.core.config.StackConfig.LoadBalancerConfig;
import org.replicator.core.config.StackConfig.SiteConfig;
import org.replicator.core.config.StackConfig.WebServing;

/**
 * A web node's Nginx ({@code nginx/nginx.conf}) and PHP-FPM ({@code php/php-fpm.conf}, {@code
 * php/pool.conf}, and the two PHP endpoints of config/ the server block names). Slaves refuse
 * {@code /wp-admin/} and fetch an upload they do not have yet from the master.
 */
final class WebGenerator {
  private WebGenerator() {}

  static List<GeneratedFile> nginx(ClusterConfig c) throws ConfigException {
    SiteConfig site = StackModel.site(c, "generate nginx");
    LoadBalancerConfig lb = c.stack().loadBalancer()
        .orElseThrow(() -> StackModel.missing(c, "load_balancer", "generate nginx (it trusts the client address from the load balancer only)",
            "load_balancer: {name: lb1, host: 10.0.0.10}"));
    NodeConfig master = c.master();
    String masterHttp = StackModel.dial(StackModel.web(c, master).http(), master.host());
    List<GeneratedFile> files = new ArrayList<>();
    for (NodeConfig n : c.nodes()) {
      WebServing w = StackModel.web(c, n);
      boolean slave = !n.isMaster();
      List<String> names = new ArrayList<>();
      names.add(site.serverName());
      names.addAll(site.aliases());
      String conf = c.stack().nodeDir(n.name());
      String text = StackTemplate.render("nginx.conf", Map.ofEntries(
          Map.entry("node", n.name()),
          Map.entry("role", n.role().yamlName()),
          Map.entry("cluster", c.cluster()),
          Map.entry("source", StackModel.source(c)),
          Map.entry("conf_dir", conf),
          Map.entry("run_dir", w.runDir()),
          Map.entry("log_dir", w.logDir()),
          Map.entry("cache_dir", w.cacheDir()),
          Map.entry("max_upload_mb", Integer.toString(site.maxUploadMegabytes())),
          Map.entry("real_ip", "set_real_ip_from " + lb.host() + ";\nreal_ip_header X-Forwarded-For;"),
          Map.entry("php_fpm", w.phpFpmOnSocket() ? "unix:" + w.phpFpm() : w.phpFpm()),
          Map.entry("master_upstream", slave ? "\n# The master, for uploads this slave does not have yet.\nupstream master {\n    server " + masterHttp + ";\n}" : ""),
          Map.entry("http", w.http().address()),
          Map.entry("server_names", String.join(" ", names)),
          Map.entry("docroot", c.docrootOf(n).toString()),
          Map.entry("health_allow", "allow " + lb.host() + ";\nallow 127.0.0.1;"),
          Map.entry("admin", slave ? ADMIN_REFUSED : ""),
          Map.entry("uploads_note", slave ? "One not here yet comes from the master." : ""),
          Map.entry("uploads_fallback", slave ? "@master" : "=404"),
          Map.entry("master_fetch", slave ? MASTER_FETCH : ""),
          Map.entry("local_http", w.localHttp().address())));
      files.add(GeneratedFile.of(n.name(), "nginx/nginx.conf", text));
      files.add(GeneratedFile.local(n.name(), "nginx/local.d/local.conf", "#",
          "Local directives of the site's server block (included at its end). `replicator generate`\n"
              + "creates this file once and never changes it: keep your additions here, e.g.\n"
              + "add_header Strict-Transport-Security \"max-age=31536000\" always;"));
    }
    return files;
  }

  static List<GeneratedFile> php(ClusterConfig c) throws ConfigException {
    SiteConfig site = StackModel.site(c, "generate php");
    List<GeneratedFile> files = new ArrayList<>();
    for (NodeConfig n : c.nodes()) {
      WebServing w = StackModel.web(c, n);
      String conf = c.stack().nodeDir(n.name());
      files.add(GeneratedFile.of(n.name(), "php/php-fpm.conf", StackTemplate.render("php-fpm.conf", Map.of(
          "node", n.name(),
          "cluster", c.cluster(),
          "source", StackModel.source(c),
          "conf_dir", conf,
          "run_dir", w.runDir(),
          "log_dir", w.logDir()))));
      files.add(GeneratedFile.of(n.name(), "php/pool.conf", StackTemplate.render("php-pool.conf", Map.of(
          "node", n.name(),
          "source", StackModel.source(c),
          "php_fpm", w.phpFpm(),
          "listen_socket", w.phpFpmOnSocket() ? "listen.owner = www-data\nlisten.group = www-data\nlisten.mode = 0660" : "listen.allowed_clients = 127.0.0.1",
          "log_dir", w.logDir(),
          "max_upload_mb", Integer.toString(site.maxUploadMegabytes()),
          "sessions", sessions(c.stack())))));
      files.add(GeneratedFile.local(n.name(), "php/local.d/local.conf", ";",
          "Local PHP-FPM settings, read after the pool (a [wordpress] section changes the pool).\n"
              + "`replicator generate` creates this file once and never changes it, e.g.\n"
              + "[wordpress]\npm.max_children = 40"));
      files.add(GeneratedFile.of(n.name(), "php/replicator-health.php", StackTemplate.file("replicator-health.php")));
      files.add(GeneratedFile.of(n.name(), "php/opcache-invalidate.php", StackTemplate.file("opcache-invalidate.php")));
    }
    return files;
  }

  /**
   * WordPress's {@code wp-config.php}, byte-identical for every web node (it lives in the
   * replicated docroot): the database through the load balancer's MySQL listener, secrets from
   * {@code <stack_dir>/wp-secrets.php}, which generate never writes (it is not deterministic
   * and does not belong in a cluster file).
   */
  static List<GeneratedFile> wordpress(ClusterConfig c) throws ConfigException {
    StackModel.site(c, "generate wordpress");
    LoadBalancerConfig lb = c.stack().loadBalancer()
        .orElseThrow(() -> StackModel.missing(c, "load_balancer", "generate wordpress (DB_HOST is its MySQL listener)",
            "load_balancer: {name: lb1, host: 10.0.0.10}"));
    String dbHost = StackModel.dial(lb.mysql().orElseThrow(() -> StackModel.missing(c, "database", "generate wordpress (DB_HOST is the load balancer's MySQL listener)",
        "database: {nodes: [{name: db1, host: 10.0.0.21}]}")), lb.host());
    String text = StackTemplate.render("wp-config.php", Map.of(
        "cluster", c.cluster(),
        "source", StackModel.source(c),
        "secrets", c.stack().stackDir() + "/wp-secrets.php",
        "db_host", dbHost));
    List<GeneratedFile> files = new ArrayList<>();
    for (NodeConfig n : c.nodes()) {
      files.add(GeneratedFile.of(n.name(), "wordpress/wp-config.php", text));
    }
    return files;
  }

  /** PHP sessions in the shared memcached, when the file has one; else PHP's default (files, per node). */
  static String sessions(StackConfig stack) {
    return stack.memcached().map(m -> "\n; Sessions in memcached " + m.name() + ", shared by every web node: a visitor keeps the\n"
        + "; session whichever node answers (needs php8.2-memcached).\n"
        + "php_admin_value[session.save_handler] = memcached\n"
        + "php_admin_value[session.save_path] = \"" + m.listen().address() + "\"").orElse("");
  }

  private static final String ADMIN_REFUSED = """

      # This node is a slave: /wp-admin/ belongs to the master, the only writer (HAProxy sends it
      # there). One that reaches a slave anyway is refused: files it wrote would be overwritten.
      location ^~ /wp-admin/ {
          return 403;
      }""";

  private static final String MASTER_FETCH = """

      # An upload not replicated here yet (lag of a second or two): fetch it from the master
      # instead of answering 404, so a just-uploaded image never shows broken.
      location @master {
          proxy_pass http://master;
          proxy_set_header Host $host;
          proxy_set_header X-Forwarded-For $remote_addr;
          proxy_connect_timeout 2s;
          proxy_read_timeout 30s;
      }""";
}
