package org.replicator.core.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;
import org.replicator.core.config.ConfigException;

/** {@code generate wordpress}: one wp-config.php, byte-identical on every web node. */
class WordpressConfigTest {
  private static final String CLUSTER = """
      cluster: shop
      docroot: /srv/www
      stack_dir: /etc/rs
      nodes:
        - {name: web1, role: master, host: 10.0.0.11, port: 8730}
        - {name: web2, role: slave, host: 10.0.0.12, port: 8730}
      site: {server_name: www.example.com}
      load_balancer: {name: lb1, host: 10.0.0.10}
      database:
        nodes:
          - {name: db1, host: 10.0.0.21}
      """;

  private final StackGenerator generator = new StackGenerator(flavor -> Optional.of("/usr/lib/galera/libgalera_smm.so"));

  @Test
  void everyWebNodeGetsTheSameFileNamingTheLoadBalancersMysqlAndTheSecretsFile() throws ConfigException {
    ClusterConfig c = ClusterConfigLoader.parse(CLUSTER, Path.of("cluster.yaml"));
    List<GeneratedFile> files = generator.generate(c, EnumSet.of(StackTarget.WORDPRESS));
    assertThat(files).extracting(GeneratedFile::node).containsExactly("web1", "web2");
    assertThat(files).extracting(GeneratedFile::path).containsOnly("wordpress/wp-config.php");
    assertThat(files.get(0).content()).isEqualTo(files.get(1).content())
        .startsWith("<?php\n")
        .contains("require_once '/etc/rs/wp-secrets.php';")
        .contains("define('DB_HOST', '10.0.0.10:3306');")
        .contains("require_once ABSPATH . 'wp-settings.php';")
        .doesNotContain("{{");
  }

  @Test
  void allIncludesWordpressOnlyWhenTheFileHasADatabaseBehindTheLoadBalancer() throws ConfigException {
    ClusterConfig with = ClusterConfigLoader.parse(CLUSTER, Path.of("cluster.yaml"));
    assertThat(StackGenerator.described(with)).contains(StackTarget.WORDPRESS);
    ClusterConfig without = ClusterConfigLoader.parse(CLUSTER.substring(0, CLUSTER.indexOf("database:")), Path.of("cluster.yaml"));
    assertThat(StackGenerator.described(without)).doesNotContain(StackTarget.WORDPRESS);
    assertThatThrownBy(() -> generator.generate(without, EnumSet.of(StackTarget.WORDPRESS)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("database");
  }
}
