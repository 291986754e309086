package org.replicator.core.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.replicator.core.config.StackConfig.DatabaseConfig;
import org.replicator.core.config.StackConfig.DatabaseNode;
import org.replicator.core.config.StackConfig.Flavor;
import org.replicator.core.config.StackConfig.LoadBalancerConfig;
import org.replicator.core.config.StackConfig.MemcachedConfig;
import org.replicator.core.config.StackConfig.WebServing;

/**
 * The rules of the stack sections beyond their shape: names unique across every section (they
 * name the output folders of {@code generate}), absolute paths, a state transfer the flavour
 * knows, and no two services of one host on the same address, data folder or socket, so that
 * several nodes' generated files can run side by side. Part of {@link ClusterConfigValidator}.
 */
final class StackValidator {
  /** A DNS name, or a wildcard one ({@code *.example.com}), as Nginx's server_name takes it. */
  static final Pattern SERVER_NAME = Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*");
  static final Map<Flavor, Set<String>> SST_METHODS = Map.of(
      Flavor.MARIADB, Set.of("rsync", "mariabackup", "mysqldump"),
      Flavor.PXC, Set.of("xtrabackup-v2"));

  private final ClusterConfigValidator v;
  private final ClusterConfig config;
  private final StackConfig stack;
  /** Every name in the file, to where it was given: names are folders of generate's output. */
  private final Map<String, String> names = new HashMap<>();
  /** "host address" (and "host path") to the key that took it, per host string. */
  private final Map<String, String> taken = new HashMap<>();

  StackValidator(ClusterConfigValidator v, ClusterConfig config) {
    this.v = v;
    this.config = config;
    this.stack = config.stack();
  }

  void run() throws ConfigException {
    v.absolute(stack.stackDir(), "stack_dir");
    List<NodeConfig> nodes = config.nodes();
    for (int i = 0; i < nodes.size(); i++) {
      NodeConfig n = nodes.get(i);
      names.put(n.name(), "nodes[" + i + "].name");
      listener(n.host(), n.address(), "nodes[" + i + "].port");
      if (n.metrics().isPresent()) {
        listener(n.host(), n.metrics().get().address(), "nodes[" + i + "].metrics");
      }
      if (n.agentCheck().isPresent()) {
        listener(n.host(), n.agentCheck().get().address(), "nodes[" + i + "].agent_check");
      }
    }
    if (stack.site().isPresent()) {
      site(stack.site().get());
    }
    for (int i = 0; i < nodes.size(); i++) {
      WebServing w = stack.web().get(nodes.get(i).name());
      if (w != null) {
        web(nodes.get(i), w, "nodes[" + i + "]");
      }
    }
    if (stack.loadBalancer().isPresent()) {
      loadBalancer(stack.loadBalancer().get());
    }
    if (stack.database().isPresent()) {
      database(stack.database().get());
    }
    if (stack.memcached().isPresent()) {
      memcached(stack.memcached().get());
    }
  }

  private void site(StackConfig.SiteConfig site) throws ConfigException {
    serverName(site.serverName(), "site.server_name");
    for (int i = 0; i < site.aliases().size(); i++) {
      serverName(site.aliases().get(i), "site.aliases[" + i + "]");
    }
  }

  private void serverName(String name, String key) throws ConfigException {
    if (!SERVER_NAME.matcher(name).matches() || name.length() > 253) {
      throw v.fail(key, "'" + name + "' is not a host name: lower-case letters, digits, '-' and '.', optionally starting with '*.'");
    }
  }

  private void web(NodeConfig node, WebServing w, String key) throws ConfigException {
    listener(node.host(), w.http().address(), key + ".http");
    listener(node.host(), w.localHttp().address(), key + ".local_http");
    v.absolute(w.runDir(), key + ".run_dir");
    v.absolute(w.logDir(), key + ".log_dir");
    v.absolute(w.cacheDir(), key + ".cache_dir");
    if (w.phpFpmOnSocket()) {
      v.absolute(w.phpFpm(), key + ".php_fpm");
      path(node.host(), w.phpFpm(), key + ".php_fpm");
    } else {
      listener(node.host(), w.phpFpm(), key + ".php_fpm");
    }
    path(node.host(), w.runDir(), key + ".run_dir");
    path(node.host(), w.logDir(), key + ".log_dir");
    path(node.host(), w.cacheDir(), key + ".cache_dir");
    if (config.docrootOf(node).startsWith(Path.of(w.runDir()))) {
      throw v.fail(key + ".run_dir", "'" + w.runDir() + "' holds the docroot '" + config.docrootOf(node) + "'; keep pid files and sockets outside it");
    }
  }

  private void loadBalancer(LoadBalancerConfig lb) throws ConfigException {
    name(lb.name(), "load_balancer.name");
    concrete(new Endpoint(lb.host(), 1), "load_balancer.host", "the web nodes trust the client address it forwards from there");
    String host = lb.host();
    listener(host, lb.http().address(), "load_balancer.http");
    listener(host, lb.stats().address(), "load_balancer.stats");
    v.absolute(lb.adminSocket(), "load_balancer.admin_socket");
    if (lb.https().isPresent() != lb.tlsCertificate().isPresent()) {
      throw v.fail(lb.https().isPresent() ? "load_balancer.tls_certificate" : "load_balancer.https",
          "missing: https and tls_certificate go together (the TLS frontend and its PEM file: certificate chain and key)");
    }
    if (lb.https().isPresent()) {
      listener(host, lb.https().get().address(), "load_balancer.https");
      v.absolute(lb.tlsCertificate().get(), "load_balancer.tls_certificate");
    }
    if (lb.mysql().isPresent()) {
      concrete(lb.mysql().get(), "load_balancer.mysql", "the web nodes' WordPress connects to it");
      listener(host, lb.mysql().get().address(), "load_balancer.mysql");
    }
  }

  private void database(DatabaseConfig db) throws ConfigException {
    if (!SST_METHODS.get(db.flavor()).contains(db.sst())) {
      throw v.fail("database.sst", "'" + db.sst() + "' is not a state transfer " + db.flavor().yamlName() + " supports; use one of "
          + SST_METHODS.get(db.flavor()).stream().sorted().toList());
    }
    if (db.wsrepProvider().isPresent()) {
      v.absolute(db.wsrepProvider().get(), "database.wsrep_provider");
    }
    v.absolute(db.tlsDir(), "database.tls_dir");
    if (db.nodes().isEmpty()) {
      throw v.fail("database.nodes", "is empty: list the Galera nodes (three for a cluster that survives the loss of one)");
    }
    for (int i = 0; i < db.nodes().size(); i++) {
      DatabaseNode n = db.nodes().get(i);
      String key = "database.nodes[" + i + "]";
      name(n.name(), key + ".name");
      if (n.host().isEmpty() || n.host().chars().anyMatch(c -> c <= ' ' || c == '/' || c == 0x7f)) {
        throw v.fail(key + ".host", "'" + n.host() + "' is not a host name or IP address");
      }
      concrete(new Endpoint(n.host(), n.port()), key + ".host", "the other nodes and HAProxy connect to it");
      listener(n.host(), n.address(), key + ".port");
      listener(n.host(), new Endpoint(n.host(), n.galeraPort()).address(), key + ".galera_port");
      if (n.istPort() > ClusterConfigValidator.PORT.max()) {
        throw v.fail(key + ".galera_port", n.galeraPort() + " leaves no port for IST (galera_port + 1)");
      }
      listener(n.host(), new Endpoint(n.host(), n.istPort()).address(), key + ".galera_port (+1, IST)");
      listener(n.host(), new Endpoint(n.host(), n.sstPort()).address(), key + ".sst_port");
      listener(n.host(), new Endpoint(n.host(), n.checkPort()).address(), key + ".check_port");
      v.absolute(n.dataDir(), key + ".data_dir");
      v.absolute(n.socket(), key + ".socket");
      path(n.host(), n.dataDir(), key + ".data_dir");
      path(n.host(), n.socket(), key + ".socket");
    }
  }

  private void memcached(MemcachedConfig m) throws ConfigException {
    name(m.name(), "memcached.name");
    concrete(m.listen(), "memcached.listen", "the web nodes connect to it, and a memcached open on every interface is a known attack amplifier");
    listener(m.listen().host(), m.listen().address(), "memcached.listen");
  }

  /** A section's name: valid, and unique across nodes, database nodes, load balancer and memcached. */
  private void name(String name, String key) throws ConfigException {
    v.name(name, key);
    String other = names.putIfAbsent(name, key);
    if (other != null) {
      throw v.fail(key, "'" + name + "' is already the name of " + v.where(other) + "; names are unique across nodes, "
          + "database nodes, the load balancer and memcached (each gets its own folder from generate)");
    }
  }

  /** Peers dial this address: a wildcard says where to listen, not where to connect. */
  private void concrete(Endpoint e, String key, String why) throws ConfigException {
    if (e.host().equals("0.0.0.0") || e.host().equals("::") || e.host().equals("*")) {
      throw v.fail(key, "'" + e.host() + "' is every interface, but " + why + ": give the node's private address");
    }
  }

  private void listener(String host, String address, String key) throws ConfigException {
    String previous = taken.putIfAbsent(host + " " + address, key);
    if (previous != null && !previous.equals(key)) {
      throw v.fail(key, address + " is already taken by " + v.where(previous) + " on the same host; each service needs its own address");
    }
  }

  private void path(String host, String path, String key) throws ConfigException {
    String previous = taken.putIfAbsent(host + " path " + path, key);
    if (previous != null) {
      throw v.fail(key, "'" + path + "' is already used by " + v.where(previous) + " on the same host; give each its own");
    }
  }
}
