package org.replicator.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ClusterConfigLoaderTest {
  static final Path FILE = Path.of("/etc/replicator/cluster.yaml");

  static final String MINIMAL =
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

  static ClusterConfig parse(String yaml) throws ConfigException {
    return ClusterConfigLoader.parse(yaml, FILE);
  }

  @Test
  void minimalFileParsesWithDocumentedDefaults() throws ConfigException {
    ClusterConfig c = parse(MINIMAL);
    assertThat(c.sourceFile()).isEqualTo(FILE);
    assertThat(c.cluster()).isEqualTo("shop");
    assertThat(c.docroot()).isEqualTo("/var/www/html");
    assertThat(c.userExcludes()).isEmpty();
    assertThat(c.defaultExcludes()).isTrue();
    assertThat(c.batchWindowMillis()).isEqualTo(20);
    assertThat(c.batchMaxEvents()).isEqualTo(1000);
    assertThat(c.delete()).isEqualTo(DeletePolicy.TRUE);
    assertThat(c.massDeleteThreshold()).isEqualTo(0.5);
    assertThat(c.massDeleteMinPaths()).isEqualTo(100);
    assertThat(c.bandwidthLimitBytesPerSecond()).isZero();
    assertThat(c.reconcileIntervalSeconds()).isEqualTo(300);
    assertThat(c.transport()).isEqualTo(TransportMode.TLS);
    assertThat(c.nodes())
        .containsExactly(
            new NodeConfig("web1", Role.MASTER, "10.0.0.1", 8730, Optional.empty(), Optional.empty()),
            new NodeConfig("web2", Role.SLAVE, "10.0.0.2", 8730, Optional.empty(), Optional.empty()));
  }

  @Test
  void fullFileParsesEveryKey() throws ConfigException {
    ClusterConfig c =
        parse(
            """
            cluster: shop.prod-1
            docroot: /srv/www/
            exclude: ["/wp-content/uploads/backups/", "*.bak"]
            exclude_defaults: false
            batch_window_ms: 50
            batch_max_events: 5000
            delete: startup
            mass_delete_threshold: 0.25
            mass_delete_min_paths: 500
            bandwidth_limit: 20M
            reconcile_interval_s: 0
            nodes:
              - {name: web1, role: master, host: web1.internal, port: 8730, state_dir: /var/lib/rep/web1}
              - name: web2
                role: slave
                host: web2.internal
                port: 8731
                docroot: /var/www/shop
            """);
    assertThat(c.docroot()).isEqualTo("/srv/www");
    assertThat(c.userExcludes()).containsExactly("/wp-content/uploads/backups/", "*.bak");
    assertThat(c.defaultExcludes()).isFalse();
    assertThat(c.effectiveExcludes()).containsExactly("/wp-content/uploads/backups/", "*.bak");
    assertThat(c.batchWindowMillis()).isEqualTo(50);
    assertThat(c.batchMaxEvents()).isEqualTo(5000);
    assertThat(c.delete()).isEqualTo(DeletePolicy.STARTUP);
    assertThat(c.massDeleteThreshold()).isEqualTo(0.25);
    assertThat(c.massDeleteMinPaths()).isEqualTo(500);
    assertThat(c.bandwidthLimitBytesPerSecond()).isEqualTo(20L * 1024 * 1024);
    assertThat(c.reconcileIntervalSeconds()).isZero();
    NodeConfig web1 = c.master();
    NodeConfig web2 = c.slaves().get(0);
    assertThat(c.stateDirOf(web1)).isEqualTo(Path.of("/var/lib/rep/web1"));
    assertThat(c.stateDirOf(web2)).isEqualTo(Path.of("/var/lib/replicator/web2"));
    assertThat(c.docrootOf(web1)).isEqualTo(Path.of("/srv/www"));
    assertThat(c.docrootOf(web2)).isEqualTo(Path.of("/var/www/shop"));
  }

  @Test
  void deleteAcceptsYamlBooleansAndStrings() throws ConfigException {
    assertThat(parse(MINIMAL + "delete: false\n").delete()).isEqualTo(DeletePolicy.FALSE);
    assertThat(parse(MINIMAL + "delete: \"false\"\n").delete()).isEqualTo(DeletePolicy.FALSE);
    assertThat(parse(MINIMAL + "delete: true\n").delete()).isEqualTo(DeletePolicy.TRUE);
    assertThat(parse(MINIMAL + "delete: running\n").delete()).isEqualTo(DeletePolicy.RUNNING);
  }

  @Test
  void plainTransportMustBeSpelledOut() throws ConfigException {
    assertThat(parse(MINIMAL + "transport: plain\n").transport()).isEqualTo(TransportMode.PLAIN);
    assertThat(parse(MINIMAL + "transport: tls\n").transport()).isEqualTo(TransportMode.TLS);
    assertThatThrownBy(() -> parse(MINIMAL + "transport: false\n"))
        .hasMessage("/etc/replicator/cluster.yaml:12: transport: expected tls or plain, got boolean \"false\"");
    assertThatThrownBy(() -> parse(MINIMAL + "transport: TLS\n"))
        .hasMessageContaining(":12: transport: expected tls or plain");
  }

  @Test
  void docrootMayBeOmittedWhenEveryNodeHasOne() throws ConfigException {
    ClusterConfig c =
        parse(
            """
            cluster: demo
            nodes:
              - {name: a, role: master, host: 127.0.0.1, port: 9001, docroot: /tmp/demo/a, state_dir: /tmp/demo/state-a}
              - {name: b, role: slave, host: 127.0.0.1, port: 9002, docroot: /tmp/demo/b, state_dir: /tmp/demo/state-b}
            """);
    assertThat(c.docroot()).isEmpty();
    assertThat(c.docrootOf(c.master())).isEqualTo(Path.of("/tmp/demo/a"));
  }

  @Test
  void loadReadsTheFileAndReportsItsName() throws Exception {
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      Path file = Files.createDirectories(fs.getPath("/etc")).resolve("cluster.yaml");
      Files.writeString(file, MINIMAL, StandardCharsets.UTF_8);
      assertThat(ClusterConfigLoader.load(file).sourceFile()).isEqualTo(file);
    }
  }

  @Test
  void shippedExampleFileIsValid() throws ConfigException {
    Path example = Path.of("..", "config", "cluster.example.yaml");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(example), "run from the module directory");
    ClusterConfig c = ClusterConfigLoader.load(example);
    assertThat(c.master().name()).isEqualTo("web1");
    assertThat(c.slaves()).hasSize(2);
  }

  @Test
  void missingFileIsNamedInTheError() throws IOException {
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      Path file = fs.getPath("/etc/nope.yaml");
      assertThatThrownBy(() -> ClusterConfigLoader.load(file))
          .isInstanceOf(ConfigException.class)
          .hasMessage("/etc/nope.yaml: cluster file not found")
          .satisfies(e -> assertThat(((ConfigException) e).line()).isZero());
    }
  }

  @Test
  void directoryInsteadOfFileIsAClearError() throws IOException {
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      assertThatThrownBy(() -> ClusterConfigLoader.load(fs.getPath("/")))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("is a directory");
    }
  }

  @Test
  void invalidUtf8IsAClearError() throws IOException {
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      Path file = fs.getPath("/c.yaml");
      Files.write(file, new byte[] {'a', ':', ' ', (byte) 0xff, '\n'});
      assertThatThrownBy(() -> ClusterConfigLoader.load(file)).hasMessage("/c.yaml: the cluster file is not valid UTF-8");
    }
  }

  @Test
  void emptyFileIsAnError() {
    assertThatThrownBy(() -> parse("# nothing\n")).hasMessageContaining("the cluster file is empty");
  }

  @Test
  void yamlSyntaxErrorCarriesFileAndLine() {
    assertThatThrownBy(() -> parse("cluster: shop\ndocroot: /var/www\nnodes: [\n  {name: a\n"))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e -> {
              assertThat(e.file()).isEqualTo(FILE);
              assertThat(e.line()).isGreaterThanOrEqualTo(4);
              assertThat(e.key()).isEmpty();
              assertThat(e.getMessage()).startsWith(FILE + ":" + e.line() + ": YAML syntax error: ");
            });
  }

  @Test
  void twoDocumentsAreASyntaxError() {
    assertThatThrownBy(() -> parse(MINIMAL + "---\ncluster: other\n")).hasMessageContaining("YAML syntax error");
  }

  @Test
  void configsEqualAsRecordsWhenParsedTwice() throws ConfigException {
    assertThat(parse(MINIMAL)).isEqualTo(parse(MINIMAL));
    assertThat(parse(MINIMAL).nodes()).extracting(NodeConfig::name).isEqualTo(List.of("web1", "web2"));
  }
}
