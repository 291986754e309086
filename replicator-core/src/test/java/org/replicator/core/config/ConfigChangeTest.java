package org.replicator.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which reloads apply live and which need a restart, as each agent sees them. */
class ConfigChangeTest {
  static final Path FILE = Path.of("/etc/replicator/cluster.yaml");
  static final String BASE = """
      cluster: shop
      docroot: /var/www/html
      nodes:
        - {name: web1, role: master, host: 10.0.0.1, port: 8730}
        - {name: web2, role: slave, host: 10.0.0.2, port: 8730}
      """;

  static ClusterConfig parse(String yaml) throws ConfigException {
    return ClusterConfigLoader.parse(yaml, FILE);
  }

  @Test
  void addedAndRemovedSlavesAreLiveAndAMovedSlaveIsBoth() throws ConfigException {
    ClusterConfig old = parse(BASE + "  - {name: web3, role: slave, host: 10.0.0.3, port: 8730}\n");
    ClusterConfig next = parse(BASE.replace("10.0.0.2, port: 8730", "10.0.0.2, port: 8740")
        + "  - {name: web4, role: slave, host: 10.0.0.4, port: 8730}\n");
    ConfigChange c = ConfigChange.between(old, next, "web1");
    assertThat(c.needsRestart()).as(c.restartNeeded().toString()).isFalse();
    assertThat(c.addedSlaves()).extracting(NodeConfig::name).containsExactly("web2", "web4");
    assertThat(c.removedSlaves()).extracting(NodeConfig::name).containsExactly("web2", "web3");
  }

  @Test
  void hooksAndHealthAreLiveAndNothingElseChanges() throws ConfigException {
    ClusterConfig next = parse(BASE + "health: {drain_lag_s: 5, down_lag_s: 50}\nhooks: [{name: h, match: x, run: [/bin/true]}]\n");
    ConfigChange c = ConfigChange.between(parse(BASE), next, "web2");
    assertThat(c.needsRestart()).isFalse();
    assertThat(c.addedSlaves()).isEmpty();
    assertThat(c.removedSlaves()).isEmpty();
  }

  @Test
  void docrootExcludesTransportAndOwnAddressNeedARestart() throws ConfigException {
    ClusterConfig next = parse(BASE.replace("docroot: /var/www/html", "docroot: /srv/www")
        .replace("10.0.0.1, port: 8730", "10.0.0.1, port: 8731") + "exclude: ['*.log']\ntransport: plain\n");
    ConfigChange c = ConfigChange.between(parse(BASE), next, "web1");
    assertThat(c.restartNeeded()).containsExactly("exclude (the exclude list differs)",
        "transport (TLS -> PLAIN)",
        "nodes[web1].host/port (10.0.0.1:8730 -> 10.0.0.1:8731)",
        "nodes[web1].docroot (/var/www/html -> /srv/www)");
  }

  @Test
  void swapDirectoriesNeedARestart() throws ConfigException {
    ClusterConfig next = parse(BASE + "swap_directories: ['wp-content/plugins/*']\n");
    assertThat(ConfigChange.between(parse(BASE), next, "web2").restartNeeded())
        .containsExactly("swap_directories ([wp-content/plugins/*, wp-content/themes/*] -> [wp-content/plugins/*])");
  }

  @Test
  void anotherMasterNeedsARestart() throws ConfigException {
    ClusterConfig next = parse(BASE.replace("role: master", "role: slave").replace("web2, role: slave", "web2, role: master"));
    assertThat(ConfigChange.between(parse(BASE), next, "web2").restartNeeded())
        .contains("nodes[web2].role (MASTER -> SLAVE)".replace("MASTER -> SLAVE", "SLAVE -> MASTER"), "nodes: the master changes from 'web1' to 'web2'");
  }
}
