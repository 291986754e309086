package org.replicator.core.stack;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ConfigException;
import org.replicator.core.config.Endpoint;
import org.replicator.core.config.StackConfig.DatabaseConfig;
import org.replicator.core.config.StackConfig.DatabaseNode;
import org.replicator.core.config.StackConfig.Flavor;

/**
 * Each database node's {@code mysql/galera.cnf} (MariaDB 10.11 or Percona XtraDB Cluster 8.0), its
 * galera-check responder and that responder's systemd socket and service units.
 */
final class GaleraGenerator {
  /**
   * The options only Percona XtraDB Cluster 8.0 knows (its documentation's names; MariaDB refuses
   * each as an unknown variable, which the stack tests check with the real mariadbd).
   */
  static final Set<String> PXC_ONLY_OPTIONS = Set.of("pxc_strict_mode", "pxc_encrypt_cluster_traffic", "wsrep_applier_threads");
  /** Where the flavour's packages put the Galera library, most likely first. */
  static final Map<Flavor, List<String>> PROVIDER_CANDIDATES = Map.of(
      Flavor.MARIADB, List.of("/usr/lib/galera/libgalera_smm.so", "/usr/lib/galera-4/libgalera_smm.so", "/usr/lib64/galera-4/libgalera_smm.so",
          "/usr/lib64/galera/libgalera_smm.so"),
      Flavor.PXC, List.of("/usr/lib/galera4/libgalera_smm.so", "/usr/lib64/galera4/libgalera_smm.so"));
  static final int APPLIER_THREADS = 4;

  static final String LOCAL_NOTE = "Local settings, read after galera.cnf (later values win). `replicator generate`\n"
      + "creates this file once and never changes it: keep your additions here, e.g.\n"
      + "[mysqld]\nmax_connections = 500";

  private GaleraGenerator() {}

  /**
   * @param provider the Galera library to name when the file names none: the first of {@link
   *     #PROVIDER_CANDIDATES} present on the machine that generates, or empty for the package default
   */
  static List<GeneratedFile> galera(ClusterConfig c, Function<Flavor, Optional<String>> provider) throws ConfigException {
    DatabaseConfig db = database(c, "generate galera");
    String library = db.wsrepProvider().or(() -> provider.apply(db.flavor())).orElse(PROVIDER_CANDIDATES.get(db.flavor()).get(0));
    String peers = db.nodes().stream().map(n -> n.host() + ":" + n.galeraPort()).collect(Collectors.joining(","));
    List<GeneratedFile> files = new ArrayList<>();
    for (DatabaseNode n : db.nodes()) {
      String text = StackTemplate.render("galera.cnf", Map.ofEntries(
          Map.entry("server", db.flavor() == Flavor.PXC ? "Percona XtraDB Cluster 8.0" : "MariaDB 10.11"),
          Map.entry("node", n.name()),
          Map.entry("cluster", c.cluster()),
          Map.entry("source", StackModel.source(c)),
          Map.entry("conf_dir", c.stack().nodeDir(n.name())),
          Map.entry("data_dir", n.dataDir()),
          Map.entry("socket", n.socket()),
          Map.entry("host", n.host()),
          Map.entry("port", Integer.toString(n.port())),
          Map.entry("buffer_pool_mb", Integer.toString(db.bufferPoolMegabytes())),
          Map.entry("provider", library),
          Map.entry("peers", peers),
          Map.entry("galera_port", Integer.toString(n.galeraPort())),
          Map.entry("listen_host", n.host()),
          Map.entry("ist_port", Integer.toString(n.istPort())),
          Map.entry("sst", db.sst()),
          Map.entry("sst_port", Integer.toString(n.sstPort())),
          Map.entry("flavor_options", flavorOptions(db))));
      files.add(GeneratedFile.of(n.name(), "mysql/galera.cnf", text));
      files.add(GeneratedFile.local(n.name(), "mysql/local.d/local.cnf", "#", LOCAL_NOTE));
    }
    return files;
  }

  private static String flavorOptions(DatabaseConfig db) {
    if (db.flavor() == Flavor.MARIADB) {
      return "\n# Parallel appliers of replicated write sets.\nwsrep_slave_threads = " + APPLIER_THREADS;
    }
    String tls = db.tlsDir();
    return "\n# Parallel appliers of replicated write sets.\nwsrep_applier_threads = " + APPLIER_THREADS + "\n"
        + "# Refuse what Galera cannot replicate safely (MyISAM, tables without a primary key, LOCK TABLES).\n"
        + "pxc_strict_mode = ENFORCING\n"
        + "# Group communication, IST and SST encrypted with these (the same CA on every node).\n"
        + "pxc_encrypt_cluster_traffic = ON\n"
        + "ssl-ca = " + tls + "/ca.pem\n"
        + "ssl-cert = " + tls + "/server-cert.pem\n"
        + "ssl-key = " + tls + "/server-key.pem";
  }

  static List<GeneratedFile> galeraCheck(ClusterConfig c) throws ConfigException {
    DatabaseConfig db = database(c, "generate galera-check");
    List<GeneratedFile> files = new ArrayList<>();
    for (DatabaseNode n : db.nodes()) {
      Map<String, String> common = Map.of(
          "node", n.name(),
          "cluster", c.cluster(),
          "source", StackModel.source(c),
          "conf_dir", c.stack().nodeDir(n.name()),
          "socket", n.socket());
      files.add(GeneratedFile.executable(n.name(), "galera-check/galera-check", StackTemplate.render("galera-check", common)));
      files.add(GeneratedFile.of(n.name(), "systemd/galera-check-" + n.name() + ".socket", StackTemplate.render("galera-check.socket", Map.of(
          "node", n.name(),
          "cluster", c.cluster(),
          "source", StackModel.source(c),
          "check_address", new Endpoint(n.host(), n.checkPort()).address()))));
      files.add(GeneratedFile.of(n.name(), "systemd/galera-check-" + n.name() + "@.service", StackTemplate.render("galera-check@.service", Map.of(
          "node", n.name(),
          "source", StackModel.source(c),
          "conf_dir", c.stack().nodeDir(n.name())))));
    }
    return files;
  }

  private static DatabaseConfig database(ClusterConfig c, String forWhat) throws ConfigException {
    return c.stack().database().orElseThrow(() -> StackModel.missing(c, "database", forWhat,
        "database: {nodes: [{name: db1, host: 10.0.0.21}]}"));
  }
}
