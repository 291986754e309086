package org.replicator.core.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;
import org.replicator.core.config.ConfigException;

/** What the generators write for the shipped example, and what they refuse. The servers' own checks are in the cli stack ITs. */
class StackGeneratorTest {
  static final Path EXAMPLE = Path.of("..", "config", "cluster.example.yaml");
  private final StackGenerator generator = new StackGenerator(flavor -> Optional.empty());

  private ClusterConfig example() throws Exception {
    return ClusterConfigLoader.parse(Files.readString(EXAMPLE), Path.of("/etc/replicator/cluster.yaml"));
  }

  private String file(ClusterConfig c, String node, String path) throws ConfigException {
    return generator.generate(c, EnumSet.allOf(StackTarget.class)).stream()
        .filter(f -> f.node().equals(node) && f.path().equals(path))
        .findFirst().orElseThrow(() -> new AssertionError("no " + node + "/" + path)).content();
  }

  @Test
  void sameInputSameBytesSortedByNodeAndPath() throws Exception {
    List<GeneratedFile> a = generator.generate(example(), EnumSet.allOf(StackTarget.class));
    List<GeneratedFile> b = generator.generate(example(), EnumSet.allOf(StackTarget.class));
    assertThat(a).isEqualTo(b);
    assertThat(a.get(0).node()).isEqualTo("cache1");
    assertThat(a).allSatisfy(f -> assertThat(f.content()).endsWith("\n").doesNotEndWith("\n\n").doesNotContain("{{"));
  }

  @Test
  void haproxySendsWritesToTheMasterOnlyAndChecksEveryNode() throws Exception {
    String cfg = file(example(), "lb1", "haproxy/haproxy.cfg");
    assertThat(cfg).contains("option forwardfor", "use_backend master if wp_admin or wp_login or wp_cron or xmlrpc or logged_in",
        "use_backend master if rest !METH_GET", "acl logged_in req.hdr(cookie) -m sub wordpress_logged_in_",
        "http-check send meth GET uri /replicator-health ver HTTP/1.1 hdr Host www.example.com",
        "http-response set-header X-Served-By %[srv_name]", "stats socket /run/haproxy/lb1-admin.sock mode 600 level admin",
        "bind 127.0.0.1:8404", "http-request set-header X-Forwarded-Proto http\n");
    assertThat(cfg).doesNotContain("ssl crt");
    ClusterConfig tls = ClusterConfigLoader.parse(Files.readString(EXAMPLE).replace("  # https: 0.0.0.0:443", "  https: 0.0.0.0:443")
        .replace("  # tls_certificate: /etc/haproxy/certs/www.example.com.pem", "  tls_certificate: /etc/haproxy/certs/www.example.com.pem"), Path.of("c.yaml"));
    assertThat(file(tls, "lb1", "haproxy/haproxy.cfg")).contains("bind 0.0.0.0:443 ssl crt /etc/haproxy/certs/www.example.com.pem alpn h2,http/1.1",
        "http-request redirect scheme https code 301 if !{ ssl_fc }", "http-request set-header X-Forwarded-Proto https if { ssl_fc }");
    String master = cfg.substring(cfg.indexOf("\nbackend master"), cfg.indexOf("\nlisten stats"));
    assertThat(master.lines().filter(l -> l.trim().startsWith("server "))).containsExactly(
        "    server web1 10.0.0.11:80 check agent-check agent-addr 10.0.0.11 agent-port 8731 agent-inter 2s");
    String web = cfg.substring(cfg.indexOf("\nbackend web"), cfg.indexOf("\nbackend master"));
    assertThat(web).contains("server web3 10.0.0.13:80 check agent-check agent-addr 10.0.0.13 agent-port 8731 agent-inter 2s");
    assertThat(cfg).contains("bind 10.0.0.10:3306", "server db1 10.0.0.21:3306 check port 9200\n",
        "server db2 10.0.0.22:3306 check port 9200 backup", "server db3 10.0.0.23:3306 check port 9200 backup");
  }

  @Test
  void slavesRefuseAdminAndFetchMissingUploadsFromTheMaster() throws Exception {
    ClusterConfig c = example();
    String slave = file(c, "web2", "nginx/nginx.conf");
    assertThat(slave).contains("location ^~ /wp-admin/ {\n            return 403;", "try_files $uri @master;", "server 10.0.0.11:80;",
        "location ^~ /.replicator/ {\n            return 404;", "set_real_ip_from 10.0.0.10;", "absolute_redirect off;",
        "listen 10.0.0.12:80;", "server_name www.example.com example.com;", "root /var/www/wordpress;");
    String master = file(c, "web1", "nginx/nginx.conf");
    assertThat(master).doesNotContain("return 403;\n        }\n\n        location /", "@master", "upstream master")
        .contains("try_files $uri =404;\n        }", "location ^~ /.replicator/");
    assertThat(file(c, "web3", "nginx/nginx.conf")).contains("root /srv/wordpress;");
  }

  /**
   * The load balancer and Nginx follow a failover by regenerating (docs/operations.md, "Load
   * balancer after a failover"): with role: master moved to web2, admin goes to web2, web2 serves
   * /wp-admin/, web1 refuses it and fetches missing uploads from web2.
   */
  @Test
  void afterAFailoverTheRegeneratedFilesMoveAdminToTheNewMaster() throws Exception {
    String yaml = Files.readString(EXAMPLE);
    int first = yaml.indexOf("role: master");
    int second = yaml.indexOf("role: slave");
    String swapped = yaml.substring(0, first) + "role: slave " + yaml.substring(first + "role: master".length(), second) + "role: master"
        + yaml.substring(second + "role: slave".length());
    ClusterConfig moved = ClusterConfigLoader.parse(swapped, Path.of("/etc/replicator/cluster.yaml"));
    assertThat(moved.master().name()).isEqualTo("web2");
    assertThat(moved.replicationHash()).as("running agents keep talking across the edit").isEqualTo(example().replicationHash());
    String cfg = file(moved, "lb1", "haproxy/haproxy.cfg");
    String master = cfg.substring(cfg.indexOf("\nbackend master"), cfg.indexOf("\nlisten stats"));
    assertThat(master.lines().filter(l -> l.trim().startsWith("server "))).singleElement().asString().startsWith("    server web2 10.0.0.12:80 check");
    assertThat(file(moved, "web2", "nginx/nginx.conf")).doesNotContain("@master", "upstream master");
    assertThat(file(moved, "web1", "nginx/nginx.conf")).contains("location ^~ /wp-admin/ {\n            return 403;", "server 10.0.0.12:80;");
  }

  @Test
  void galeraFlavoursDifferOnlyWhereTheServersDo() throws Exception {
    ClusterConfig maria = example();
    String m = file(maria, "db2", "mysql/galera.cnf");
    assertThat(m).contains("wsrep_on = ON", "binlog_format = ROW", "innodb_autoinc_lock_mode = 2", "wsrep_sst_method = rsync",
        "wsrep_cluster_address = gcomm://10.0.0.21:4567,10.0.0.22:4567,10.0.0.23:4567", "wsrep_node_name = db2",
        "wsrep_node_address = 10.0.0.22:4567", "wsrep_slave_threads = 4", "wsrep_cluster_name = shop-prod")
        .doesNotContain("pxc_");
    ClusterConfig pxc = ClusterConfigLoader.parse(Files.readString(EXAMPLE).replace("flavor: mariadb", "flavor: pxc").replace("sst: rsync", "sst: xtrabackup-v2"),
        Path.of("c.yaml"));
    String p = file(pxc, "db2", "mysql/galera.cnf");
    assertThat(p).contains("pxc_strict_mode = ENFORCING", "pxc_encrypt_cluster_traffic = ON", "ssl-ca = /etc/mysql/certs/ca.pem",
        "wsrep_applier_threads = 4", "wsrep_sst_method = xtrabackup-v2", "wsrep_provider = /usr/lib/galera4/libgalera_smm.so")
        .doesNotContain("wsrep_slave_threads");
  }

  @Test
  void theProviderComesFromTheFileThenTheMachineThenThePackageDefault() throws Exception {
    ClusterConfig c = example();
    StackGenerator here = new StackGenerator(flavor -> Optional.of("/opt/galera/libgalera_smm.so"));
    assertThat(here.generate(c, Set.of(StackTarget.GALERA)).get(0).content()).contains("wsrep_provider = /opt/galera/libgalera_smm.so");
    assertThat(file(c, "db1", "mysql/galera.cnf")).contains("wsrep_provider = /usr/lib/galera/libgalera_smm.so");
    ClusterConfig named = ClusterConfigLoader.parse(Files.readString(EXAMPLE).replace("  # wsrep_provider: /usr/lib/galera/libgalera_smm.so",
        "  wsrep_provider: /usr/local/lib/libgalera_smm.so"), Path.of("c.yaml"));
    assertThat(here.generate(named, Set.of(StackTarget.GALERA)).get(0).content()).contains("wsrep_provider = /usr/local/lib/libgalera_smm.so");
  }

  @Test
  void phpSessionsGoToMemcachedAndTheDropInOpensExactlyDocrootAndStateDir() throws Exception {
    ClusterConfig c = example();
    assertThat(file(c, "web1", "php/pool.conf")).contains("listen = /run/wordpress/web1/php-fpm.sock",
        "php_admin_value[session.save_handler] = memcached", "php_admin_value[session.save_path] = \"10.0.0.30:11211\"");
    assertThat(file(c, "cache1", "memcached/memcached.conf")).contains("-l 10.0.0.30\n-p 11211\n", "-U 0", "-m 64");
    assertThat(file(c, "web3", "systemd/replicator@web3.service.d/50-replicator-stack.conf"))
        .contains("RequiresMountsFor=/srv/wordpress /var/lib/replicator/web3", "ReadWritePaths=\nReadWritePaths=/srv/wordpress /var/lib/replicator/web3");
    assertThat(StackGenerator.systemdPath("/srv/my site/100%")).isEqualTo("/srv/my\\x20site/100%%");
  }

  @Test
  void aTargetWhoseSectionIsMissingNamesTheSection() throws Exception {
    ClusterConfig plain = ClusterConfigLoader.parse("cluster: t\ndocroot: /var/www/t\nnodes:\n"
        + "  - {name: m, role: master, host: 10.0.0.1, port: 8730}\n  - {name: s, role: slave, host: 10.0.0.2, port: 8730}\n", Path.of("c.yaml"));
    assertThat(StackGenerator.described(plain)).containsExactly(StackTarget.SYSTEMD);
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> generator.generate(plain, Set.of(StackTarget.GALERA)));
    assertThat(e.key()).isEqualTo("database");
    assertThat(e.getMessage()).startsWith("c.yaml: database: missing: generate galera needs it, e.g.");
  }

  @Test
  void templatesRefuseAMissingOrAnUnusedValue() {
    assertThatThrownBy(() -> StackTemplate.render("memcached.conf", Map.of("name", "x")))
        .hasMessageContaining("needs a value for {{cluster}}");
    assertThatThrownBy(() -> new GeneratedFile("n", "../escape", "", false, false)).hasMessageContaining("inside the node's folder");
  }
}
