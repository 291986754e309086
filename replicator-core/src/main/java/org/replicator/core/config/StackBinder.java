package org.replicator.core.config;

import static org.replicator.core.config.ClusterConfigValidator.PORT;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.replicator.core.config.StackConfig.DatabaseConfig;
import org.replicator.core.config.StackConfig.DatabaseNode;
import org.replicator.core.config.StackConfig.Flavor;
import org.replicator.core.config.StackConfig.LoadBalancerConfig;
import org.replicator.core.config.StackConfig.MemcachedConfig;
import org.replicator.core.config.StackConfig.SiteConfig;
import org.replicator.core.config.StackConfig.WebServing;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Binds the stack sections ({@code site}, {@code load_balancer}, {@code database}, {@code
 * memcached}, and the web keys of each node) to {@link StackConfig}: shapes, types, per-value
 * ranges and defaults. Cross-section rules (unique names, colliding addresses and paths) are
 * {@link StackValidator}'s.
 */
final class StackBinder {
  static final Set<String> SITE_KEYS = ordered("server_name", "aliases", "max_upload_mb");
  static final Set<String> LB_KEYS = ordered("name", "host", "http", "https", "tls_certificate", "stats", "admin_socket", "mysql");
  static final Set<String> DB_KEYS =
      ordered("flavor", "sst", "wsrep_provider", "tls_dir", "buffer_pool_mb", "check_port", "nodes");
  static final Set<String> DB_NODE_KEYS =
      ordered("name", "host", "port", "data_dir", "socket", "galera_port", "sst_port", "check_port");
  static final Set<String> MEMCACHED_KEYS = ordered("name", "listen", "memory_mb", "max_connections");
  /** Keys a web node (an item of {@code nodes}) may carry for the stack. */
  static final List<String> WEB_KEYS = List.of("http", "php_fpm", "run_dir", "log_dir", "cache_dir", "local_http");

  static final ClusterConfigValidator.Range UPLOAD_MB = new ClusterConfigValidator.Range(1, 65536);
  static final ClusterConfigValidator.Range BUFFER_POOL_MB = new ClusterConfigValidator.Range(8, 4L << 20);
  static final ClusterConfigValidator.Range MEMORY_MB = new ClusterConfigValidator.Range(1, 1L << 20);
  static final ClusterConfigValidator.Range CONNECTIONS = new ClusterConfigValidator.Range(1, 1_000_000);

  private final StrictYaml yaml;

  StackBinder(StrictYaml yaml) {
    this.yaml = yaml;
  }

  /**
   * @param web each node's serving keys with defaults; dropped when the file uses no stack key at
   *     all, so that a replication-only file (several agents on one host, as in the demo) is not
   *     held to rules about web servers it does not describe
   * @param webKeysGiven whether any node gave one of {@link #WEB_KEYS}
   */
  StackConfig bind(Map<String, Node> top, Map<String, WebServing> web, boolean webKeysGiven) throws ConfigException {
    boolean used = webKeysGiven || top.containsKey("site") || top.containsKey("load_balancer")
        || top.containsKey("database") || top.containsKey("memcached");
    if (!used) {
      web = Map.of();
    }
    return new StackConfig(
        top.containsKey("stack_dir") ? path(top.get("stack_dir"), "stack_dir") : StackConfig.DEFAULT_STACK_DIR,
        top.containsKey("site") ? Optional.of(site(top.get("site"))) : Optional.empty(),
        top.containsKey("load_balancer") ? Optional.of(loadBalancer(top.get("load_balancer"), top.containsKey("database"))) : Optional.empty(),
        top.containsKey("database") ? Optional.of(database(top.get("database"))) : Optional.empty(),
        top.containsKey("memcached") ? Optional.of(memcached(top.get("memcached"))) : Optional.empty(),
        web);
  }

  /** The stack keys of web node {@code key} (e.g. {@code nodes[1]}), defaults filled from its name and host. */
  WebServing web(Map<String, Node> map, String key, String name, String host) throws ConfigException {
    Endpoint http = yaml.endpoint(map.get("http"), key + ".http").orElse(new Endpoint(host, 80));
    String runDir = pathOr(map, "run_dir", key, WebServing.defaultRunDir(name));
    String phpFpm = WebServing.defaultPhpFpm(runDir);
    if (map.containsKey("php_fpm")) {
      String at = key + ".php_fpm";
      phpFpm = yaml.string(map.get("php_fpm"), at);
      if (!phpFpm.startsWith("/")) {
        try {
          phpFpm = Endpoint.parse(phpFpm).address();
        } catch (IllegalArgumentException e) {
          throw yaml.error(map.get("php_fpm"), at, e.getMessage() + " (or give an absolute Unix socket path)");
        }
      }
    }
    return new WebServing(http, phpFpm, runDir, pathOr(map, "log_dir", key, WebServing.defaultLogDir(name)),
        pathOr(map, "cache_dir", key, WebServing.defaultCacheDir(name)),
        yaml.endpoint(map.get("local_http"), key + ".local_http").orElse(WebServing.DEFAULT_LOCAL_HTTP));
  }

  private SiteConfig site(Node node) throws ConfigException {
    Map<String, Node> map = yaml.mapping(node, "site", SITE_KEYS);
    List<String> aliases = new ArrayList<>();
    if (map.containsKey("aliases")) {
      List<Node> items = yaml.sequence(map.get("aliases"), "site.aliases");
      for (int i = 0; i < items.size(); i++) {
        aliases.add(yaml.string(items.get(i), "site.aliases[" + i + "]"));
      }
    }
    return new SiteConfig(
        yaml.string(require(map, node, "site", "server_name"), "site.server_name"),
        aliases,
        (int) intOr(map, "site", "max_upload_mb", UPLOAD_MB, SiteConfig.DEFAULT_MAX_UPLOAD_MB));
  }

  private LoadBalancerConfig loadBalancer(Node node, boolean database) throws ConfigException {
    Map<String, Node> map = yaml.mapping(node, "load_balancer", LB_KEYS);
    String name = yaml.string(require(map, node, "load_balancer", "name"), "load_balancer.name");
    String host = yaml.string(require(map, node, "load_balancer", "host"), "load_balancer.host");
    Optional<Endpoint> mysql = yaml.endpoint(map.get("mysql"), "load_balancer.mysql");
    return new LoadBalancerConfig(
        name,
        host,
        yaml.endpoint(map.get("http"), "load_balancer.http").orElse(LoadBalancerConfig.DEFAULT_HTTP),
        yaml.endpoint(map.get("stats"), "load_balancer.stats").orElse(LoadBalancerConfig.DEFAULT_STATS),
        pathOr(map, "admin_socket", "load_balancer", LoadBalancerConfig.defaultAdminSocket(name)),
        mysql.isEmpty() && database ? Optional.of(new Endpoint(host, StackConfig.DatabaseConfig.DEFAULT_PORT)) : mysql,
        yaml.endpoint(map.get("https"), "load_balancer.https"),
        map.containsKey("tls_certificate") ? Optional.of(path(map.get("tls_certificate"), "load_balancer.tls_certificate")) : Optional.empty());
  }

  private DatabaseConfig database(Node node) throws ConfigException {
    Map<String, Node> map = yaml.mapping(node, "database", DB_KEYS);
    Flavor flavor = Flavor.MARIADB;
    if (map.containsKey("flavor")) {
      String v = yaml.string(map.get("flavor"), "database.flavor");
      flavor = null;
      for (Flavor f : Flavor.values()) {
        if (f.yamlName().equals(v)) {
          flavor = f;
        }
      }
      if (flavor == null) {
        throw yaml.error(map.get("flavor"), "database.flavor", "expected mariadb or pxc, got \"" + v + "\"");
      }
    }
    int checkPort = (int) intOr(map, "database", "check_port", PORT, DatabaseConfig.DEFAULT_CHECK_PORT);
    Node nodesNode = require(map, node, "database", "nodes");
    List<DatabaseNode> nodes = new ArrayList<>();
    List<Node> items = yaml.sequence(nodesNode, "database.nodes");
    for (int i = 0; i < items.size(); i++) {
      nodes.add(databaseNode(items.get(i), "database.nodes[" + i + "]", checkPort));
    }
    return new DatabaseConfig(
        flavor,
        map.containsKey("sst") ? yaml.string(map.get("sst"), "database.sst") : flavor.defaultSst(),
        map.containsKey("wsrep_provider") ? Optional.of(path(map.get("wsrep_provider"), "database.wsrep_provider")) : Optional.empty(),
        pathOr(map, "tls_dir", "database", DatabaseConfig.DEFAULT_TLS_DIR),
        (int) intOr(map, "database", "buffer_pool_mb", BUFFER_POOL_MB, DatabaseConfig.DEFAULT_BUFFER_POOL_MB),
        nodes);
  }

  private DatabaseNode databaseNode(Node item, String key, int checkPort) throws ConfigException {
    Map<String, Node> map = yaml.mapping(item, key, DB_NODE_KEYS);
    return new DatabaseNode(
        yaml.string(require(map, item, key, "name"), key + ".name"),
        yaml.string(require(map, item, key, "host"), key + ".host"),
        (int) intOr(map, key, "port", PORT, DatabaseConfig.DEFAULT_PORT),
        pathOr(map, "data_dir", key, DatabaseNode.DEFAULT_DATA_DIR),
        pathOr(map, "socket", key, DatabaseNode.DEFAULT_SOCKET),
        (int) intOr(map, key, "galera_port", PORT, DatabaseConfig.DEFAULT_GALERA_PORT),
        (int) intOr(map, key, "sst_port", PORT, DatabaseConfig.DEFAULT_SST_PORT),
        (int) intOr(map, key, "check_port", PORT, checkPort));
  }

  private MemcachedConfig memcached(Node node) throws ConfigException {
    Map<String, Node> map = yaml.mapping(node, "memcached", MEMCACHED_KEYS);
    return new MemcachedConfig(
        yaml.string(require(map, node, "memcached", "name"), "memcached.name"),
        yaml.endpoint(require(map, node, "memcached", "listen"), "memcached.listen").orElseThrow(),
        (int) intOr(map, "memcached", "memory_mb", MEMORY_MB, MemcachedConfig.DEFAULT_MEMORY_MB),
        (int) intOr(map, "memcached", "max_connections", CONNECTIONS, MemcachedConfig.DEFAULT_MAX_CONNECTIONS));
  }

  private Node require(Map<String, Node> map, Node mapNode, String prefix, String name) throws ConfigException {
    Node value = map.get(name);
    if (value == null) {
      throw yaml.missing(mapNode, prefix + "." + name);
    }
    return value;
  }

  private long intOr(Map<String, Node> map, String prefix, String name, ClusterConfigValidator.Range range, long dflt)
      throws ConfigException {
    Node node = map.get(name);
    return node == null ? dflt : yaml.integer(node, prefix + "." + name, range.min(), range.max());
  }

  private String pathOr(Map<String, Node> map, String name, String prefix, String dflt) throws ConfigException {
    Node node = map.get(name);
    return node == null ? dflt : path(node, prefix + "." + name);
  }

  /** A path with one trailing '/' dropped; absoluteness is the validator's job. */
  private String path(Node node, String key) throws ConfigException {
    String p = yaml.string(node, key);
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  private static Set<String> ordered(String... keys) {
    return Collections.unmodifiableSet(new LinkedHashSet<>(List.of(keys)));
  }
}
