package org.replicator.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.replicator.core.ignore.ExcludeMatcher;

class ClusterConfigTest {
  static final Path FILE = Path.of("cluster.yaml");

  static final String BASE =
      """
      cluster: shop
      docroot: /var/www/html
      exclude: ["/private/"]
      nodes:
        - {name: web1, role: master, host: 10.0.0.1, port: 8730}
        - {name: web2, role: slave, host: 10.0.0.2, port: 8730}
        - {name: web3, role: slave, host: 10.0.0.3, port: 8730}
      """;

  static ClusterConfig parse(String yaml) throws ConfigException {
    return ClusterConfigLoader.parse(yaml, FILE);
  }

  @Test
  void replicationHashIgnoresHostsPortsDocrootsStateDirsAndTunables() throws ConfigException {
    long base = parse(BASE).replicationHash();
    String other =
        """
        cluster: shop
        docroot: /srv/other
        exclude: ["/private/"]
        batch_window_ms: 100
        bandwidth_limit: 5M
        reconcile_interval_s: 60
        delete: running
        nodes:
          - {name: web3, role: slave, host: 192.168.1.3, port: 9000, state_dir: /data/r3}
          - {name: web1, role: master, host: 192.168.1.1, port: 9001, docroot: /srv/web1}
          - {name: web2, role: slave, host: 192.168.1.2, port: 9002}
        """;
    assertThat(parse(other).replicationHash()).isEqualTo(base);
    assertThat(parse(BASE).replicationHash()).isEqualTo(base); // stable across parses
  }

  @Test
  void replicationHashIgnoresRolesBecauseTheEpochDecidesTheMaster() throws ConfigException {
    long base = parse(BASE).replicationHash();
    assertThat(
            parse(BASE.replace("web1, role: master", "web1, role: slave").replace("web2, role: slave", "web2, role: master"))
                .replicationHash())
        .isEqualTo(base);
  }

  @Test
  void replicationHashChangesWithExcludesNamesOrClusterName() throws ConfigException {
    long base = parse(BASE).replicationHash();
    assertThat(parse(BASE.replace("/private/", "/secret/")).replicationHash()).isNotEqualTo(base);
    assertThat(parse(BASE.replace("exclude: [\"/private/\"]", "exclude: [\"/private/\"]\nexclude_defaults: false")).replicationHash())
        .isNotEqualTo(base);
    assertThat(parse(BASE.replace("web3", "web4")).replicationHash()).isNotEqualTo(base);
    assertThat(parse(BASE.replace("cluster: shop", "cluster: shop2")).replicationHash()).isNotEqualTo(base);
  }

  @Test
  void effectiveExcludesPutDefaultsFirstSoUserPatternsCanOverrideThem() throws ConfigException {
    ClusterConfig c = parse(BASE.replace("[\"/private/\"]", "[\"/private/\", \"!/wp-content/debug.log\"]"));
    assertThat(c.effectiveExcludes()).startsWith(ExcludeMatcher.WORDPRESS_DEFAULTS.toArray(String[]::new));
    assertThat(c.effectiveExcludes()).endsWith("/private/", "!/wp-content/debug.log");
    ExcludeMatcher m = c.excludeMatcher();
    assertThat(m.excluded("wp-content/debug.log", false)).isFalse();
    assertThat(m.excludedOrUnder("wp-content/cache/x", false)).isTrue();
    assertThat(m.excludedOrUnder("private/a", false)).isTrue();
  }

  @Test
  void masterAndSlavesFollowFileOrder() throws ConfigException {
    ClusterConfig c = parse(BASE);
    assertThat(c.master().name()).isEqualTo("web1");
    assertThat(c.slaves()).extracting(NodeConfig::name).containsExactly("web2", "web3");
    assertThat(c.master().address()).isEqualTo("10.0.0.1:8730");
  }

  @Test
  void ipv6HostsAreBracketedInAddresses() {
    NodeConfig n = new NodeConfig("a", Role.SLAVE, "fd00::1", 8730, java.util.Optional.empty(), java.util.Optional.empty());
    assertThat(n.address()).isEqualTo("[fd00::1]:8730");
  }

  @Test
  void deletePolicyMatchesLsyncdMeanings() {
    assertThat(DeletePolicy.TRUE.live()).isTrue();
    assertThat(DeletePolicy.TRUE.catchUp()).isTrue();
    assertThat(DeletePolicy.FALSE.live()).isFalse();
    assertThat(DeletePolicy.FALSE.catchUp()).isFalse();
    assertThat(DeletePolicy.STARTUP.live()).isFalse();
    assertThat(DeletePolicy.STARTUP.catchUp()).isTrue();
    assertThat(DeletePolicy.RUNNING.live()).isTrue();
    assertThat(DeletePolicy.RUNNING.catchUp()).isFalse();
  }
}
