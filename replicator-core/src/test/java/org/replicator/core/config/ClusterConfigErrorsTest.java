package org.replicator.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every class of error names the file, the line and the key, and says what is wrong. */
class ClusterConfigErrorsTest {
  static final Path FILE = Path.of("/etc/replicator/cluster.yaml");

  // Line numbers are asserted below: keep this template's layout.
  static final String TEMPLATE =
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
          port: 8731
      """;

  static String with(String from, String to) {
    assertThat(TEMPLATE).contains(from);
    return TEMPLATE.replace(from, to);
  }

  static Arguments error(String name, String yaml, int line, String key, String detail) {
    return Arguments.of(Named.of(name, yaml), line, key, detail);
  }

  static Stream<Arguments> errors() {
    String web2Extra = "    port: 8731\n";
    return Stream.of(
        // shape: unknown, duplicate, missing keys
        error("unknown top-level key", TEMPLATE + "batch_window: 20\n", 12, "batch_window", "unknown key; expected one of cluster, docroot, exclude,"),
        error("unknown node key", with(web2Extra, web2Extra + "    hots: x\n"), 12, "nodes[1].hots", "unknown key; expected one of name, role, host, port, docroot, state_dir"),
        error("duplicate key", with("docroot: /var/www/html\n", "docroot: /var/www/html\ndocroot: /srv\n"), 3, "docroot", "duplicate key (first given at line 2)"),
        error("duplicate node key", with(web2Extra, web2Extra + "    port: 8732\n"), 12, "nodes[1].port", "duplicate key (first given at line 11)"),
        error("missing cluster", with("cluster: shop\n", ""), 1, "cluster", "missing required key"),
        error("missing nodes", "cluster: shop\ndocroot: /var/www\n", 1, "nodes", "missing required key"),
        error("missing node host", with("    host: 10.0.0.2\n", ""), 8, "nodes[1].host", "missing required key"),
        error("top level is a list", "- a\n- b\n", 1, "", "expected a mapping of keys (cluster, docroot,"),
        error("node is a string", "cluster: shop\ndocroot: /var/www\nnodes:\n  - web1\n", 4, "nodes[0]", "expected a mapping of keys (name, role,"),
        // types
        error("quoted port", with("port: 8731", "port: \"8731\""), 11, "nodes[1].port", "expected an integer, got string \"8731\""),
        error("exclude not a list", TEMPLATE + "exclude: '*.swp'\n", 12, "exclude", "expected a list, got string \"*.swp\""),
        error("exclude item not a string", TEMPLATE + "exclude:\n  - '*.swp'\n  - 12\n", 14, "exclude[1]", "expected a string, got integer \"12\" (put it in quotes to make it a string)"),
        error("yes is not a YAML 1.2 boolean", TEMPLATE + "exclude_defaults: yes\n", 12, "exclude_defaults", "expected true or false, got string \"yes\""),
        error("docroot without value", with("docroot: /var/www/html", "docroot:"), 2, "docroot", "expected a string, got no value"),
        error("delete unknown word", TEMPLATE + "delete: sometimes\n", 12, "delete", "expected true, false, startup or running, got string \"sometimes\""),
        error("role unknown word", with("role: slave", "role: boss"), 9, "nodes[1].role", "expected master or slave, got \"boss\""),
        error("threshold is a string", TEMPLATE + "mass_delete_threshold: half\n", 12, "mass_delete_threshold", "expected a number, got string \"half\""),
        // ranges and values
        error("port out of range", with("port: 8731", "port: 70000"), 11, "nodes[1].port", "70000 is out of range 1..65535"),
        error("batch window too long", TEMPLATE + "batch_window_ms: 10001\n", 12, "batch_window_ms", "10001 is out of range 0..10000"),
        error("batch max events zero", TEMPLATE + "batch_max_events: 0\n", 12, "batch_max_events", "0 is out of range 1..100000"),
        error("threshold zero", TEMPLATE + "mass_delete_threshold: 0\n", 12, "mass_delete_threshold", "0.0 is out of range: must be greater than 0 and at most 1"),
        error("threshold above one", TEMPLATE + "mass_delete_threshold: 1.5\n", 12, "mass_delete_threshold", "1.5 is out of range"),
        error("threshold nan", TEMPLATE + "mass_delete_threshold: .nan\n", 12, "mass_delete_threshold", "NaN is out of range"),
        error("min paths negative", TEMPLATE + "mass_delete_min_paths: -1\n", 12, "mass_delete_min_paths", "-1 is out of range 0..10000000"),
        error("reconcile negative", TEMPLATE + "reconcile_interval_s: -1\n", 12, "reconcile_interval_s", "-1 is out of range 0..604800"),
        error("anti-entropy negative", TEMPLATE + "anti_entropy_interval_s: -5\n", 12, "anti_entropy_interval_s", "-5 is out of range 0..604800"),
        error("anti-entropy too long", TEMPLATE + "anti_entropy_interval_s: 999999\n", 12, "anti_entropy_interval_s", "999999 is out of range 0..604800"),
        error("bandwidth without unit", TEMPLATE + "bandwidth_limit: 10\n", 12, "bandwidth_limit", "below the minimum of 1000; did you forget a K or M suffix?"),
        error("bandwidth not a rate", TEMPLATE + "bandwidth_limit: fast\n", 12, "bandwidth_limit", "'fast' is not a rate"),
        error("bandwidth negative", TEMPLATE + "bandwidth_limit: -5\n", 12, "bandwidth_limit", "is negative; use 0 for unlimited"),
        error("cluster name with capitals", with("cluster: shop", "cluster: Shop"), 1, "cluster", "'Shop' is not a valid name"),
        error("node name with space", with("name: web2", "name: web 2"), 8, "nodes[1].name", "'web 2' is not a valid name"),
        error("exclude pattern with dot-dot", TEMPLATE + "exclude: ['ok', '../x']\n", 12, "exclude[1]", "exclude pattern '../x' has a '..' component"),
        error("empty exclude pattern", TEMPLATE + "exclude:\n  - ''\n", 13, "exclude[0]", "exclude pattern '' is empty"),
        error("swap pattern absolute", TEMPLATE + "swap_directories: ['wp-content/plugins/*', '/srv/x/*']\n", 12, "swap_directories[1]",
            "'/srv/x/*': must be relative to the docroot (no leading /)"),
        error("swap pattern with dot-dot", TEMPLATE + "swap_directories:\n  - 'wp-content/../*'\n", 13, "swap_directories[0]",
            "'wp-content/../*': '..' segments are not allowed"),
        error("swap pattern with **", TEMPLATE + "swap_directories: ['wp-content/**']\n", 12, "swap_directories[0]",
            "'wp-content/**': ** is not supported: one * matches within one path segment"),
        error("swap patterns not a list", TEMPLATE + "swap_directories: 'wp-content/plugins/*'\n", 12, "swap_directories",
            "expected a list, got string \"wp-content/plugins/*\""),
        // cluster rules
        error("two masters", with("role: slave", "role: master"), 9, "nodes[1].role", "node 'web2' is a second master ('web1' is already master); exactly one node must be master"),
        error("no master", with("role: master", "role: slave"), 3, "nodes", "no node has role master; exactly one must"),
        error("no slave", "cluster: shop\ndocroot: /var/www\nnodes:\n  - {name: web1, role: master, host: a, port: 1}\n", 3, "nodes", "no node has role slave"),
        error("no nodes", "cluster: shop\ndocroot: /var/www\nnodes: []\n", 3, "nodes", "no node has role master"),
        error("duplicate node name", with("name: web2", "name: web1"), 8, "nodes[1].name", "duplicate node name 'web1' (also nodes[0] at line 4)"),
        error("duplicate host and port", with("    host: 10.0.0.2\n    port: 8731", "    host: 10.0.0.1\n    port: 8730"), 11, "nodes[1].port", "node 'web2' and node 'web1' both listen on 10.0.0.1:8730"),
        // paths
        error("relative docroot", with("docroot: /var/www/html", "docroot: var/www"), 2, "docroot", "'var/www' is not an absolute path"),
        error("root docroot", with("docroot: /var/www/html", "docroot: /"), 2, "docroot", "must not be '/' (the whole filesystem)"),
        error("docroot with dot-dot", with("docroot: /var/www/html", "docroot: /var/www/../html"), 2, "docroot", "is not a normalised path (no '.', '..' or '//'); did you mean '/var/html'?"),
        error("docroot missing everywhere", with("docroot: /var/www/html\n", ""), 1, "docroot", "missing: node 'web1' has no docroot of its own"),
        error("relative node docroot", with(web2Extra, web2Extra + "    docroot: www\n"), 12, "nodes[1].docroot", "'www' is not an absolute path"),
        error("relative state_dir", with(web2Extra, web2Extra + "    state_dir: state\n"), 12, "nodes[1].state_dir", "'state' is not an absolute path"),
        error("state_dir inside own docroot", with(web2Extra, web2Extra + "    state_dir: /var/www/html/.state\n"), 12, "nodes[1].state_dir", "'/var/www/html/.state' is inside its own docroot '/var/www/html'; state, journal and keys must never be served or replicated"),
        error("state_dir equals docroot", with(web2Extra, web2Extra + "    state_dir: /var/www/html/\n"), 12, "nodes[1].state_dir", "'/var/www/html' is its own docroot '/var/www/html'"),
        error("default state_dir inside docroot", with("docroot: /var/www/html", "docroot: /var/lib"), 4, "nodes[0].state_dir", "'/var/lib/replicator/web1' (the default state_dir) is inside its own docroot '/var/lib'"),
        error("state_dir inside docroot of a node on the same host",
            with("    host: 10.0.0.2\n", "    host: 10.0.0.1\n    docroot: /srv/b\n    state_dir: /var/www/html/state\n"), 12, "nodes[1].state_dir",
            "'/var/www/html/state' is inside the docroot of node 'web1' on the same host '/var/www/html'"),
        error("same host shares a state_dir",
            with("    host: 10.0.0.2\n", "    host: 10.0.0.1\n    docroot: /srv/b\n    state_dir: /var/lib/replicator/web1\n"), 12, "nodes[1].state_dir",
            "is also the state_dir of node 'web1' on the same host"),
        error("same host overlapping docroots",
            with("    host: 10.0.0.2\n", "    host: 10.0.0.1\n    docroot: /var/www/html/b\n"), 11, "nodes[1].docroot",
            "'/var/www/html/b' overlaps the docroot '/var/www/html' of node 'web1' on the same host"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void errorNamesFileLineKeyAndProblem(String yaml, int line, String key, String detail) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ClusterConfigLoader.parse(yaml, FILE));
    assertThat(e).as("expected a ConfigException").isNotNull();
    assertThat(e.file()).isEqualTo(FILE);
    assertThat(e.key()).isEqualTo(key);
    assertThat(e.detail()).contains(detail);
    assertThat(e.line()).as(e.getMessage()).isEqualTo(line);
    String prefix = key.isEmpty() ? FILE + ":" + line + ": " : FILE + ":" + line + ": " + key + ": ";
    assertThat(e.getMessage()).isEqualTo(prefix + e.detail());
  }

  @Test
  void journalRetentionIsReadAndOutOfRangeValuesNameTheField() throws ConfigException {
    assertThat(ClusterConfigLoader.parse(TEMPLATE, FILE).journal()).isEqualTo(JournalConfig.DEFAULTS);
    assertThat(ClusterConfigLoader.parse("journal:\n  max_bytes: 10485760\n  max_age_s: 3600\n" + TEMPLATE, FILE).journal())
        .isEqualTo(new JournalConfig(10L << 20, 3600));
    assertThatThrownBy(() -> ClusterConfigLoader.parse("journal:\n  max_bytes: 1000\n" + TEMPLATE, FILE))
        .hasMessageContaining("journal.max_bytes: 1000 is out of range");
    assertThatThrownBy(() -> ClusterConfigLoader.parse("journal:\n  max_age: 10\n" + TEMPLATE, FILE))
        .hasMessageContaining("max_age");
  }

  @Test
  void messageReadsLikeCompilerOutput() {
    assertThatThrownBy(() -> ClusterConfigLoader.parse(with("port: 8731", "port: 70000"), FILE))
        .hasMessage("/etc/replicator/cluster.yaml:11: nodes[1].port: 70000 is out of range 1..65535");
  }

  @Test
  void unknownNodeNameListsTheKnownOnes() throws ConfigException {
    ClusterConfig c = ClusterConfigLoader.parse(TEMPLATE, FILE);
    assertThatThrownBy(() -> c.node("web3"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("/etc/replicator/cluster.yaml: nodes: no node named 'web3'; the file defines web1, web2");
    assertThat(c.node("web2").port()).isEqualTo(8731);
  }

  @Test
  void handBuiltConfigIsValidatedWithoutLines() {
    ClusterConfig c = new ClusterConfig(FILE, "shop", "/", java.util.List.of(), true, 20, 1000, DeletePolicy.TRUE, 0.5, 100, 0, 300,
        ClusterConfig.DEFAULT_ANTI_ENTROPY_INTERVAL_SECONDS, TransportMode.TLS, java.util.List.of(), HealthConfig.DEFAULTS, java.util.List.of(), JournalConfig.DEFAULTS);
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ClusterConfigValidator.validate(c));
    assertThat(e.getMessage()).isEqualTo("/etc/replicator/cluster.yaml: docroot: must not be '/' (the whole filesystem)");
  }
}
