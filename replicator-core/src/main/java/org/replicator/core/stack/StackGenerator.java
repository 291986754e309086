package org.replicator.core.stack;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ConfigException;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.config.StackConfig;
import org.replicator.core.config.StackConfig.Flavor;

/**
 * {@code replicator generate}'s engine: a validated cluster file in, the text of every requested
 * file out, sorted by node and path. Pure: no I/O beyond reading its own templates, the same input
 * always gives the same bytes (the header names the cluster file by its file name only). The
 * caller writes {@code DIR/<node>/<path>}.
 *
 * <p>{@code all} generates what the file describes: HAProxy only with a {@code load_balancer},
 * Nginx and PHP-FPM only with a {@code site}, Galera only with a {@code database}, memcached only
 * with a {@code memcached}, WordPress's wp-config.php only with a {@code site} and the load
 * balancer's {@code mysql} listener. A target named explicitly whose section is missing is an error naming
 * the section.
 */
public final class StackGenerator {
  private final Function<Flavor, Optional<String>> providerOnThisMachine;

  /** @param providerOnThisMachine the Galera library found where generate runs, for a file that names none */
  public StackGenerator(Function<Flavor, Optional<String>> providerOnThisMachine) {
    this.providerOnThisMachine = providerOnThisMachine;
  }

  /**
   * The options only Percona XtraDB Cluster 8.0 knows, as its documentation names them; MariaDB
   * refuses each. The PXC file carries these and otherwise the options both servers share.
   */
  public static final Set<String> PXC_ONLY_OPTIONS = GaleraGenerator.PXC_ONLY_OPTIONS;

  /** The Galera library paths to look for on the machine, in order, per flavour. */
  public static List<String> providerCandidates(Flavor flavor) {
    return GaleraGenerator.PROVIDER_CANDIDATES.get(flavor);
  }

  /** The targets {@code all} means for this file. */
  public static Set<StackTarget> described(ClusterConfig c) {
    Set<StackTarget> t = EnumSet.of(StackTarget.SYSTEMD);
    if (c.stack().loadBalancer().isPresent() && c.stack().site().isPresent()) {
      t.add(StackTarget.HAPROXY);
    }
    if (c.stack().site().isPresent() && c.stack().loadBalancer().isPresent()) {
      t.add(StackTarget.NGINX);
    }
    if (c.stack().site().isPresent()) {
      t.add(StackTarget.PHP);
    }
    if (c.stack().site().isPresent() && c.stack().loadBalancer().flatMap(lb -> lb.mysql()).isPresent()) {
      t.add(StackTarget.WORDPRESS);
    }
    if (c.stack().database().isPresent()) {
      t.add(StackTarget.GALERA);
      t.add(StackTarget.GALERA_CHECK);
    }
    if (c.stack().memcached().isPresent()) {
      t.add(StackTarget.MEMCACHED);
    }
    return t;
  }

  public List<GeneratedFile> generate(ClusterConfig c, Set<StackTarget> targets) throws ConfigException {
    List<GeneratedFile> files = new ArrayList<>();
    for (StackTarget t : EnumSet.copyOf(targets)) {
      switch (t) {
        case HAPROXY -> files.addAll(HaproxyGenerator.generate(c));
        case NGINX -> files.addAll(WebGenerator.nginx(c));
        case PHP -> files.addAll(WebGenerator.php(c));
        case GALERA -> files.addAll(GaleraGenerator.galera(c, providerOnThisMachine));
        case GALERA_CHECK -> files.addAll(GaleraGenerator.galeraCheck(c));
        case MEMCACHED -> files.add(memcached(c));
        case SYSTEMD -> files.addAll(systemd(c));
        case WORDPRESS -> files.addAll(WebGenerator.wordpress(c));
      }
    }
    files.sort(Comparator.comparing(GeneratedFile::node).thenComparing(GeneratedFile::path));
    return files;
  }

  private static GeneratedFile memcached(ClusterConfig c) throws ConfigException {
    var m = c.stack().memcached().orElseThrow(() -> StackModel.missing(c, "memcached", "generate memcached",
        "memcached: {name: cache1, listen: 10.0.0.30:11211}"));
    return GeneratedFile.of(m.name(), "memcached/memcached.conf", StackTemplate.render("memcached.conf", Map.of(
        "name", m.name(),
        "cluster", c.cluster(),
        "source", StackModel.source(c),
        "host", m.listen().host(),
        "port", Integer.toString(m.listen().port()),
        "memory_mb", Integer.toString(m.memoryMegabytes()),
        "max_connections", Integer.toString(m.maxConnections()))));
  }

  /**
   * Per web node, a drop-in for the template unit replicator@.service (config/replicator@.service)
   * and, when the file describes them, drop-ins that make Debian's nginx.service and
   * php8.2-fpm.service run the generated files (one web node per machine, as in production).
   */
  private static List<GeneratedFile> systemd(ClusterConfig c) {
    List<GeneratedFile> files = new ArrayList<>();
    Set<StackTarget> described = described(c);
    for (NodeConfig n : c.nodes()) {
      String conf = c.stack().nodeDir(n.name());
      if (described.contains(StackTarget.NGINX)) {
        StackConfig.WebServing w = StackModel.web(c, n);
        files.add(GeneratedFile.of(n.name(), "systemd/nginx.service.d/50-replicator-stack.conf", StackTemplate.render("nginx-dropin.conf", Map.of(
            "node", n.name(),
            "cluster", c.cluster(),
            "source", StackModel.source(c),
            "dropin_dir", "nginx.service.d",
            "run_dir", systemdPath(w.runDir()),
            "log_dir", systemdPath(w.logDir()),
            "cache_dir", systemdPath(w.cacheDir()),
            "conf", systemdPath(conf + "/nginx/nginx.conf")))));
      }
      if (described.contains(StackTarget.PHP)) {
        StackConfig.WebServing w = StackModel.web(c, n);
        files.add(GeneratedFile.of(n.name(), "systemd/php8.2-fpm.service.d/50-replicator-stack.conf", StackTemplate.render("php-fpm-dropin.conf", Map.of(
            "node", n.name(),
            "cluster", c.cluster(),
            "source", StackModel.source(c),
            "dropin_dir", "php8.2-fpm.service.d",
            "run_dir", systemdPath(w.runDir()),
            "log_dir", systemdPath(w.logDir()),
            "conf", systemdPath(conf + "/php/php-fpm.conf")))));
      }
      String dropinDir = "replicator@" + n.name() + ".service.d";
      files.add(GeneratedFile.of(n.name(), "systemd/" + dropinDir + "/50-replicator-stack.conf", StackTemplate.render("replicator-dropin.conf", Map.of(
          "node", n.name(),
          "role", n.role().yamlName(),
          "cluster", c.cluster(),
          "source", StackModel.source(c),
          "dropin_dir", dropinDir,
          "docroot", systemdPath(c.docrootOf(n).toString()),
          "state_dir", systemdPath(c.stateDirOf(n).toString())))));
    }
    return files;
  }

  /** systemd splits these lists at spaces and expands '%': escape both (paths are validated, so nothing else can surprise). */
  static String systemdPath(String path) {
    return path.replace("%", "%%").replace("\\", "\\x5c").replace(" ", "\\x20");
  }
}
