package org.replicator.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code hooks:} section: defaults, the per-node override, and errors that name the field. */
class HookConfigTest {
  static final Path FILE = Path.of("/etc/replicator/cluster.yaml");

  // Line numbers are asserted below: keep this template's layout (hooks start at line 12).
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
      hooks:
        - name: opcache
          match: ["*.php"]
          run: ["/usr/bin/php", "/etc/replicator/opcache.php"]
      """;

  @Test
  void hookDefaultsToStdinAndSixtySecondsAndAppliesToEveryNode() throws ConfigException {
    ClusterConfig c = ClusterConfigLoader.parse(TEMPLATE, FILE);
    HookConfig h = c.hooks().get(0);
    assertThat(h).isEqualTo(new HookConfig("opcache", List.of("*.php"), List.of("/usr/bin/php", "/etc/replicator/opcache.php"),
        60, HookConfig.PathPassing.STDIN));
    assertThat(c.hooksOf(c.node("web2"))).containsExactly(h);
    assertThat(h.matcher().excludedOrUnder("wp-content/plugins/a/b.php", false)).isTrue();
    assertThat(h.matcher().excludedOrUnder("wp-content/uploads/x.jpg", false)).isFalse();
  }

  @Test
  void nodeHooksReplaceTheClusterListAndAnEmptyListTurnsThemOff() throws ConfigException {
    String yaml = TEMPLATE.replace("    port: 8731\n", "    port: 8731\n    hooks:\n      - {name: all, match: '*', run: [/bin/true], paths: args, timeout_s: 5}\n")
        .replace("    port: 8730\n", "    port: 8730\n    hooks: []\n");
    ClusterConfig c = ClusterConfigLoader.parse(yaml, FILE);
    assertThat(c.hooksOf(c.node("web2"))).containsExactly(
        new HookConfig("all", List.of("*"), List.of("/bin/true"), 5, HookConfig.PathPassing.ARGS));
    assertThat(c.hooksOf(c.node("web1"))).isEmpty();
  }

  static Arguments error(String name, String yaml, int line, String key, String detail) {
    return Arguments.of(Named.of(name, yaml), line, key, detail);
  }

  static String with(String from, String to) {
    assertThat(TEMPLATE).contains(from);
    return TEMPLATE.replace(from, to);
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        error("run is a shell string", with("run: [\"/usr/bin/php\", \"/etc/replicator/opcache.php\"]", "run: \"php -r 'opcache_reset();'\""), 15,
            "hooks[0].run", "expected a list (argv: program, then its arguments), got string"),
        error("relative program", with("\"/usr/bin/php\"", "\"php\""), 15, "hooks[0].run[0]", "'php' is not an absolute path; hooks are not looked up in PATH"),
        error("empty run", with("run: [\"/usr/bin/php\", \"/etc/replicator/opcache.php\"]", "run: []"), 15, "hooks[0].run", "is empty"),
        error("empty match", with("match: [\"*.php\"]", "match: []"), 14, "hooks[0].match", "is empty"),
        error("bad pattern", with("match: [\"*.php\"]", "match: [\"*.php\", \"../x\"]"), 14, "hooks[0].match[1]", "'..' component"),
        error("missing run", with("    run: [\"/usr/bin/php\", \"/etc/replicator/opcache.php\"]\n", ""), 13, "hooks[0].run", "missing required key"),
        error("unknown key", TEMPLATE + "    when: always\n", 16, "hooks[0].when", "unknown key; expected one of name, match, run, timeout_s, paths"),
        error("timeout zero", TEMPLATE + "    timeout_s: 0\n", 16, "hooks[0].timeout_s", "0 is out of range 1..3600"),
        error("paths unknown", TEMPLATE + "    paths: env\n", 16, "hooks[0].paths", "expected stdin or args, got \"env\""),
        error("bad name", with("name: opcache", "name: Op Cache"), 13, "hooks[0].name", "'Op Cache' is not a valid name"),
        error("duplicate name", TEMPLATE + "  - {name: opcache, match: x, run: [/bin/true]}\n", 16, "hooks[1].name", "duplicate hook name 'opcache' (also hooks[0] at line 13)"),
        error("bad node hook", with("    port: 8731\n", "    port: 8731\n    hooks: [{name: x, match: y, run: [bin/true]}]\n"), 12,
            "nodes[1].hooks[0].run[0]", "'bin/true' is not an absolute path"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void errorNamesFileLineKeyAndProblem(String yaml, int line, String key, String detail) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ClusterConfigLoader.parse(yaml, FILE));
    assertThat(e).as("expected a ConfigException").isNotNull();
    assertThat(e.file()).isEqualTo(FILE);
    assertThat(e.key()).as(e.getMessage()).isEqualTo(key);
    assertThat(e.detail()).contains(detail);
    assertThat(e.line()).as(e.getMessage()).isEqualTo(line);
  }
}
