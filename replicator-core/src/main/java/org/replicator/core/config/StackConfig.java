package org.replicator.core.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The rest of the web stack the cluster file describes, for {@code replicator generate}: the site,
 * the load balancer, the Galera database, memcached, and how each web node serves HTTP and PHP
 * ({@code web}, by node name, one entry per node with defaults filled in).
 *
 * <p>Deliberately apart from the replication settings: nothing here is part of {@link
 * ClusterConfig#replicationHash()}, and {@link ConfigChange} (reload) never looks at it, so editing
 * the stack never disturbs a running agent. Validated with the rest of the file.
 */
public record StackConfig(
    String stackDir,
    Optional<SiteConfig> site,
    Optional<LoadBalancerConfig> loadBalancer,
    Optional<DatabaseConfig> database,
    Optional<MemcachedConfig> memcached,
    Map<String, WebServing> web) {

  /** No stack sections (a file written before {@code generate} existed, or a record built by hand). */
  public static final StackConfig NONE =
      new StackConfig(StackConfig.DEFAULT_STACK_DIR, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Map.of());

  /**
   * Where {@code DIR/<node>/} of {@code generate} is installed on each node, as {@code
   * <stack_dir>/<node>/}: generated files that name one another (Nginx naming the health script,
   * a socket unit naming its responder) use that path.
   */
  public static final String DEFAULT_STACK_DIR = "/etc/replicator/stack";

  public StackConfig {
    Objects.requireNonNull(stackDir, "stackDir");
    Objects.requireNonNull(site, "site");
    Objects.requireNonNull(loadBalancer, "loadBalancer");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(memcached, "memcached");
    web = Map.copyOf(new TreeMap<>(web));
  }

  /** {@code site}: the public name of the WordPress site. */
  public record SiteConfig(String serverName, List<String> aliases, int maxUploadMegabytes) {
    public static final int DEFAULT_MAX_UPLOAD_MB = 64;

    public SiteConfig {
      Objects.requireNonNull(serverName, "serverName");
      aliases = List.copyOf(aliases);
    }
  }

  /** The folder of {@code node}'s generated files once installed: {@code <stack_dir>/<node>}. */
  public String nodeDir(String node) {
    return stackDir + "/" + node;
  }

  /**
   * {@code load_balancer}: one HAProxy. {@code host} is its private address (the web nodes see
   * requests come from it), {@code http} the visitors' frontend, {@code stats} the stats page,
   * {@code adminSocket} the runtime API's socket, {@code mysql} the listener the web nodes'
   * WordPress connects to (present when there is a database; default {@code <host>:3306}), {@code
   * https} the TLS frontend with {@code tlsCertificate} (a PEM holding certificate chain and key;
   * both or neither).
   */
  public record LoadBalancerConfig(
      String name, String host, Endpoint http, Endpoint stats, String adminSocket, Optional<Endpoint> mysql,
      Optional<Endpoint> https, Optional<String> tlsCertificate) {
    public static final Endpoint DEFAULT_HTTP = new Endpoint("0.0.0.0", 80);
    public static final Endpoint DEFAULT_STATS = new Endpoint("127.0.0.1", 8404);

    public LoadBalancerConfig {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(http, "http");
      Objects.requireNonNull(stats, "stats");
      Objects.requireNonNull(adminSocket, "adminSocket");
      Objects.requireNonNull(mysql, "mysql");
      Objects.requireNonNull(https, "https");
      Objects.requireNonNull(tlsCertificate, "tlsCertificate");
    }

    public static String defaultAdminSocket(String name) {
      return "/run/haproxy/" + name + "-admin.sock";
    }
  }

  /** The database flavour: which server reads the generated my.cnf. */
  public enum Flavor {
    /** MariaDB 10.11 with Galera 4 (Debian's mariadb-server and galera-4). */
    MARIADB("mariadb", "rsync"),
    /** Percona XtraDB Cluster 8.0 (Percona's packages). */
    PXC("pxc", "xtrabackup-v2");

    private final String yamlName;
    private final String defaultSst;

    Flavor(String yamlName, String defaultSst) {
      this.yamlName = yamlName;
      this.defaultSst = defaultSst;
    }

    public String yamlName() {
      return yamlName;
    }

    /** rsync on MariaDB (no extra package, blocks the donor); PXC 8.0 knows only xtrabackup-v2. */
    public String defaultSst() {
      return defaultSst;
    }
  }

  /**
   * {@code database}: a Galera cluster. {@code sst} is the state-transfer method, {@code
   * wsrepProvider} the Galera library when the file names one (else {@code generate} looks for it),
   * {@code tlsDir} where PXC's cluster-traffic certificates are, {@code bufferPoolMegabytes} InnoDB's
   * buffer pool.
   */
  public record DatabaseConfig(
      Flavor flavor,
      String sst,
      Optional<String> wsrepProvider,
      String tlsDir,
      int bufferPoolMegabytes,
      List<DatabaseNode> nodes) {
    public static final int DEFAULT_CHECK_PORT = 9200;
    public static final int DEFAULT_PORT = 3306;
    public static final int DEFAULT_GALERA_PORT = 4567;
    public static final int DEFAULT_SST_PORT = 4444;
    public static final int DEFAULT_BUFFER_POOL_MB = 1024;
    public static final String DEFAULT_TLS_DIR = "/etc/mysql/certs";

    public DatabaseConfig {
      Objects.requireNonNull(flavor, "flavor");
      Objects.requireNonNull(sst, "sst");
      Objects.requireNonNull(wsrepProvider, "wsrepProvider");
      Objects.requireNonNull(tlsDir, "tlsDir");
      nodes = List.copyOf(nodes);
    }
  }

  /**
   * One Galera node: {@code host:port} for SQL, {@code galeraPort} for group communication (IST on
   * the next port), {@code sstPort} for state transfers, {@code checkPort} for the galera-check
   * responder HAProxy asks.
   */
  public record DatabaseNode(
      String name, String host, int port, String dataDir, String socket, int galeraPort, int sstPort, int checkPort) {
    public static final String DEFAULT_DATA_DIR = "/var/lib/mysql";
    public static final String DEFAULT_SOCKET = "/run/mysqld/mysqld.sock";

    public DatabaseNode {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(dataDir, "dataDir");
      Objects.requireNonNull(socket, "socket");
    }

    /** Incremental state transfer listens on the port after group communication (Galera's own default: 4568). */
    public int istPort() {
      return galeraPort + 1;
    }

    public String address() {
      return new Endpoint(host, port).address();
    }
  }

  /** {@code memcached}: one memcached for PHP sessions. */
  public record MemcachedConfig(String name, Endpoint listen, int memoryMegabytes, int maxConnections) {
    public static final int DEFAULT_MEMORY_MB = 64;
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;

    public MemcachedConfig {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(listen, "listen");
    }
  }

  /**
   * How one web node serves: Nginx listens on {@code http}; PHP-FPM on {@code phpFpm}, a Unix
   * socket path (starts with '/') or {@code host:port}; {@code localHttp} is the loopback-only server
   * the opcache hook calls. {@code runDir} holds pid files and the
   * default FPM socket, {@code logDir} the logs, {@code cacheDir} Nginx's temporary files. All
   * defaults carry the node's name, so several nodes' files can run on one machine.
   */
  public record WebServing(Endpoint http, String phpFpm, String runDir, String logDir, String cacheDir, Endpoint localHttp) {
    /** The loopback-only server of the opcache-invalidation hook (docs/operations.md, "Hooks"). */
    public static final Endpoint DEFAULT_LOCAL_HTTP = new Endpoint("127.0.0.1", 8099);

    public WebServing {
      Objects.requireNonNull(http, "http");
      Objects.requireNonNull(localHttp, "localHttp");
      Objects.requireNonNull(phpFpm, "phpFpm");
      Objects.requireNonNull(runDir, "runDir");
      Objects.requireNonNull(logDir, "logDir");
      Objects.requireNonNull(cacheDir, "cacheDir");
    }

    public static String defaultRunDir(String node) {
      return "/run/wordpress/" + node;
    }

    public static String defaultLogDir(String node) {
      return "/var/log/wordpress/" + node;
    }

    public static String defaultCacheDir(String node) {
      return "/var/cache/wordpress/" + node;
    }

    public static String defaultPhpFpm(String runDir) {
      return runDir + "/php-fpm.sock";
    }

    /** Whether PHP-FPM listens on a Unix socket (else on TCP). */
    public boolean phpFpmOnSocket() {
      return phpFpm.startsWith("/");
    }
  }
}
