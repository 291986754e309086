package org.replicator.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.replicator.core.config.StackConfig.DatabaseNode;
import org.replicator.core.config.StackConfig.Flavor;
import org.replicator.core.config.StackConfig.WebServing;

/** The stack sections of the cluster file ({@code site}, {@code load_balancer}, {@code database}, {@code memcached}, web keys). */
class StackConfigTest {
  static final Path FILE = Path.of("/etc/replicator/cluster.yaml");

  // Line numbers are asserted below: keep this template's layout.
  static final String REPLICATION =
      """
      cluster: shop
      docroot: /var/www/html
      nodes:
        - name: web1
          role: master
          host: 10.0.0.1
          port: 8730
        - name: web2
          role: slave
          host: 10.0.0.2
          port: 8730
      """;
  static final String STACK =
      """
      site:
        server_name: www.example.com
      load_balancer:
        name: lb1
        host: 10.0.0.10
      database:
        nodes:
          - name: db1
            host: 10.0.0.21
      memcached:
        name: cache1
        listen: 10.0.0.30:11211
      """;

  @Test
  void shippedExampleDescribesTheWholeCluster() throws ConfigException {
    Path example = Path.of("..", "config", "cluster.example.yaml");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(example), "run from the module directory");
    StackConfig s = ClusterConfigLoader.load(example).stack();
    assertThat(s.site().orElseThrow().serverName()).isEqualTo("www.example.com");
    assertThat(s.loadBalancer().orElseThrow().name()).isEqualTo("lb1");
    assertThat(s.loadBalancer().orElseThrow().mysql()).contains(new Endpoint("10.0.0.10", 3306));
    assertThat(s.database().orElseThrow().nodes()).extracting(DatabaseNode::name).containsExactly("db1", "db2", "db3");
    assertThat(s.memcached().orElseThrow().listen()).isEqualTo(new Endpoint("10.0.0.30", 11211));
    assertThat(s.web()).containsOnlyKeys("web1", "web2", "web3");
  }

  @Test
  void defaultsArePerNodeAndFollowTheProductionLayout() throws ConfigException {
    StackConfig s = ClusterConfigLoader.parse(REPLICATION + STACK, FILE).stack();
    assertThat(s.web().get("web2")).isEqualTo(new WebServing(new Endpoint("10.0.0.2", 80), "/run/wordpress/web2/php-fpm.sock",
        "/run/wordpress/web2", "/var/log/wordpress/web2", "/var/cache/wordpress/web2", new Endpoint("127.0.0.1", 8099)));
    assertThat(s.loadBalancer().orElseThrow().http()).isEqualTo(new Endpoint("0.0.0.0", 80));
    assertThat(s.loadBalancer().orElseThrow().stats()).isEqualTo(new Endpoint("127.0.0.1", 8404));
    assertThat(s.loadBalancer().orElseThrow().adminSocket()).isEqualTo("/run/haproxy/lb1-admin.sock");
    assertThat(s.loadBalancer().orElseThrow().mysql()).as("with a database").contains(new Endpoint("10.0.0.10", 3306));
    assertThat(s.stackDir()).isEqualTo("/etc/replicator/stack");
    StackConfig.DatabaseConfig db = s.database().orElseThrow();
    assertThat(db.flavor()).isEqualTo(Flavor.MARIADB);
    assertThat(db.sst()).isEqualTo("rsync");
    assertThat(db.wsrepProvider()).isEmpty();
    assertThat(db.nodes().get(0)).isEqualTo(new DatabaseNode("db1", "10.0.0.21", 3306, "/var/lib/mysql", "/run/mysqld/mysqld.sock", 4567, 4444, 9200));
    assertThat(s.memcached().orElseThrow().memoryMegabytes()).isEqualTo(64);
    assertThat(s.site().orElseThrow().maxUploadMegabytes()).isEqualTo(64);
  }

  @Test
  void pxcDefaultsToItsOnlyStateTransfer() throws ConfigException {
    StackConfig s = ClusterConfigLoader.parse(REPLICATION + STACK.replace("database:\n", "database:\n  flavor: pxc\n"), FILE).stack();
    assertThat(s.database().orElseThrow().flavor()).isEqualTo(Flavor.PXC);
    assertThat(s.database().orElseThrow().sst()).isEqualTo("xtrabackup-v2");
  }

  @Test
  void webKeysAreRead() throws ConfigException {
    String web = REPLICATION + "    http: 127.0.0.1:8081\n    php_fpm: 127.0.0.1:9001\n    run_dir: /tmp/w2/run/\n"
        + "    log_dir: /tmp/w2/log\n    cache_dir: /tmp/w2/cache\n    local_http: 127.0.0.1:9099\n";
    WebServing w = ClusterConfigLoader.parse(web, FILE).stack().web().get("web2");
    assertThat(w).isEqualTo(new WebServing(new Endpoint("127.0.0.1", 8081), "127.0.0.1:9001", "/tmp/w2/run", "/tmp/w2/log", "/tmp/w2/cache", new Endpoint("127.0.0.1", 9099)));
    assertThat(w.phpFpmOnSocket()).isFalse();
  }

  @Test
  void stackSectionsStayOutOfTheReplicationHashAndOfReload() throws ConfigException {
    ClusterConfig plain = ClusterConfigLoader.parse(REPLICATION, FILE);
    ClusterConfig stack = ClusterConfigLoader.parse(REPLICATION.replace("    port: 8730\n  - name: web2", "    port: 8730\n    http: 10.0.0.1:8080\n  - name: web2") + STACK, FILE);
    assertThat(stack.replicationHash()).isEqualTo(plain.replicationHash());
    assertThat(ConfigChange.between(plain, stack, "web1").needsRestart()).isFalse();
    assertThat(ConfigChange.between(stack, plain, "web2").needsRestart()).isFalse();
  }

  @Test
  void aReplicationOnlyFileWithAgentsOnOneHostIsNotHeldToWebRules() throws ConfigException {
    ClusterConfig c = ClusterConfigLoader.parse(REPLICATION.replace("10.0.0.2", "10.0.0.1").replace("port: 8730\n  - name: web2", "port: 8731\n  - name: web2")
        + "    docroot: /var/www/other\n", FILE);
    assertThat(c.stack().web()).isEmpty();
    assertThat(c.stack().site()).isEmpty();
  }

  @Test
  void theMasterMayAnswerAgentCheck() throws ConfigException {
    ClusterConfig c = ClusterConfigLoader.parse(
        REPLICATION.replace("    port: 8730\n  - name: web2", "    port: 8730\n    agent_check: 10.0.0.1:8731\n  - name: web2"), FILE);
    assertThat(c.master().agentCheck()).contains(new Endpoint("10.0.0.1", 8731));
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        error("unknown site key", STACK.replace("  server_name:", "  servername:"), 13, "site.servername",
            "unknown key; expected one of server_name, aliases, max_upload_mb"),
        error("server_name missing", STACK.replace("  server_name: www.example.com\n", "  aliases: [a.example.com]\n"), 13, "site.server_name",
            "missing required key"),
        error("server_name with a scheme", STACK.replace("www.example.com", "https://www.example.com"), 13, "site.server_name",
            "'https://www.example.com' is not a host name"),
        error("load balancer named like a web node", STACK.replace("name: lb1", "name: web2"), 15, "load_balancer.name",
            "'web2' is already the name of nodes[1].name at line 8; names are unique across nodes, database nodes, the load balancer and memcached"),
        error("memcached named like a database node", STACK.replace("name: cache1", "name: db1"), 22, "memcached.name",
            "'db1' is already the name of database.nodes[0].name at line 19"),
        error("https without its certificate", STACK.replace("  host: 10.0.0.10\n", "  host: 10.0.0.10\n  https: 0.0.0.0:443\n"), 14,
            "load_balancer.tls_certificate", "missing: https and tls_certificate go together"),
        error("load balancer without host", STACK.replace("  host: 10.0.0.10\n", ""), 15, "load_balancer.host", "missing required key"),
        error("mysql on every interface", STACK.replace("  host: 10.0.0.10\n", "  host: 10.0.0.10\n  mysql: 0.0.0.0:3306\n"), 17, "load_balancer.mysql",
            "'0.0.0.0' is every interface, but the web nodes' WordPress connects to it"),
        error("local_http shared by two nodes on one host", "    local_http: 10.0.0.2:8730\n", 12, "nodes[1].local_http",
            "10.0.0.2:8730 is already taken by nodes[1].port"),
        error("flavor unknown", STACK.replace("database:\n", "database:\n  flavor: mysql\n"), 18, "database.flavor",
            "expected mariadb or pxc, got \"mysql\""),
        error("sst of the other flavour", STACK.replace("database:\n", "database:\n  sst: xtrabackup-v2\n"), 18, "database.sst",
            "'xtrabackup-v2' is not a state transfer mariadb supports; use one of [mariabackup, mysqldump, rsync]"),
        error("no database nodes", STACK.replace("  nodes:\n    - name: db1\n      host: 10.0.0.21\n", "  nodes: []\n"), 18, "database.nodes",
            "is empty"),
        error("relative data_dir", STACK.replace("      host: 10.0.0.21\n", "      host: 10.0.0.21\n      data_dir: mysql\n"), 21,
            "database.nodes[0].data_dir", "'mysql' is not an absolute path"),
        error("two database nodes on one host share the socket",
            STACK.replace("      host: 10.0.0.21\n", "      host: 10.0.0.21\n    - {name: db2, host: 10.0.0.21, port: 3307, galera_port: 5567, sst_port: 5444, check_port: 9201, data_dir: /var/lib/mysql2}\n"),
            21, "database.nodes[1].socket", "'/run/mysqld/mysqld.sock' is already used by database.nodes[0].socket at line 19 on the same host"),
        error("IST port taken by the next node's group port",
            STACK.replace("      host: 10.0.0.21\n", "      host: 10.0.0.21\n    - {name: db2, host: 10.0.0.21, port: 3307, galera_port: 4568}\n"),
            21, "database.nodes[1].galera_port", "10.0.0.21:4568 is already taken by database.nodes[0].galera_port (+1, IST)"),
        error("memcached on every interface", STACK.replace("10.0.0.30:11211", "0.0.0.0:11211"), 23, "memcached.listen",
            "'0.0.0.0' is every interface, but the web nodes connect to it"),
        error("web http on the agent's port", "    http: 10.0.0.2:8730\n", 12, "nodes[1].http",
            "10.0.0.2:8730 is already taken by nodes[1].port at line 11 on the same host"),
        error("buffer pool too small", STACK.replace("database:\n", "database:\n  buffer_pool_mb: 4\n"), 18, "database.buffer_pool_mb",
            "4 is out of range 8..4194304"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void badStackSectionsAreRefusedWithLineAndKey(String stack, int line, String key, String detail) {
    String yaml = REPLICATION + stack;
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ClusterConfigLoader.parse(yaml, FILE));
    assertThat(e).as("no error for:\n" + yaml).isNotNull();
    assertThat(e.key()).isEqualTo(key);
    assertThat(e.detail()).contains(detail);
    assertThat(e.line()).isEqualTo(line);
  }

  private static Arguments error(String name, String stack, int line, String key, String detail) {
    return Arguments.of(Named.of(name, stack), line, key, detail);
  }
}
