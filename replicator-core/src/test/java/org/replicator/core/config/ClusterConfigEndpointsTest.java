package org.replicator.core.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The {@code health} section and the per-node {@code metrics} and {@code agent_check} addresses. */
class ClusterConfigEndpointsTest {
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
          port: 8730
      """;
  static final String WEB2 = "    port: 8730\n";

  static String web2(String extra) {
    return TEMPLATE + extra;
  }

  @Test
  void endpointsAndThresholdsAreOffAndDefaultWhenAbsent() throws ConfigException {
    ClusterConfig c = ClusterConfigLoader.parse(TEMPLATE, FILE);
    assertThat(c.health()).isEqualTo(HealthConfig.DEFAULTS);
    assertThat(c.health()).isEqualTo(new HealthConfig(10, 60, 15));
    assertThat(c.node("web2").metrics()).isEmpty();
    assertThat(c.node("web2").agentCheck()).isEmpty();
  }

  @Test
  void everyKeyIsRead() throws ConfigException {
    ClusterConfig c = ClusterConfigLoader.parse(
        TEMPLATE.replace("    port: 8730\n  - name: web2", "    port: 8730\n    metrics: 127.0.0.1:9731\n  - name: web2")
            + "    metrics: 0.0.0.0:9731\n    agent_check: '[fd00::2]:8731'\n"
            + "health: {drain_lag_s: 3, down_lag_s: 20, heartbeat_timeout_s: 5}\n",
        FILE);
    assertThat(c.health()).isEqualTo(new HealthConfig(3, 20, 5));
    assertThat(c.node("web1").metrics()).contains(new Endpoint("127.0.0.1", 9731));
    assertThat(c.node("web1").agentCheck()).isEmpty();
    assertThat(c.node("web2").metrics()).contains(new Endpoint("0.0.0.0", 9731));
    assertThat(c.node("web2").agentCheck()).contains(new Endpoint("fd00::2", 8731));
    assertThat(c.node("web2").agentCheck().orElseThrow().address()).isEqualTo("[fd00::2]:8731");
  }

  @Test
  void endpointsAndThresholdsAreNotPartOfTheReplicationHash() throws ConfigException {
    long plain = ClusterConfigLoader.parse(TEMPLATE, FILE).replicationHash();
    long with = ClusterConfigLoader.parse(web2("    metrics: 127.0.0.1:9731\nhealth: {drain_lag_s: 2}\n"), FILE).replicationHash();
    assertThat(with).isEqualTo(plain);
  }

  @Test
  void endpointParsesHostPortAndBracketedIpv6() {
    assertThat(Endpoint.parse("localhost:1")).isEqualTo(new Endpoint("localhost", 1));
    assertThat(Endpoint.parse("[::1]:65535")).isEqualTo(new Endpoint("::1", 65535));
    assertThat(Endpoint.parse("[::1]:65535").address()).isEqualTo("[::1]:65535");
    assertThatThrownBy(() -> Endpoint.parse("::1:80")).hasMessageContaining("write an IPv6 address in brackets: [::1]:80");
    assertThatThrownBy(() -> Endpoint.parse("[::1]80")).hasMessageContaining("is not host:port");
    assertThatThrownBy(() -> Endpoint.parse(":80")).hasMessageContaining("'' is not a host name or IP address");
    assertThatThrownBy(() -> Endpoint.parse("a:0")).hasMessageContaining("port 0 is out of range 1..65535");
    assertThatThrownBy(() -> Endpoint.parse("a:123456")).hasMessageContaining("port '123456' is not a number 1..65535");
    assertThatThrownBy(() -> Endpoint.parse("a:+80")).hasMessageContaining("port '+80' is not a number");
  }

  static Arguments error(String name, String yaml, int line, String key, String detail) {
    return Arguments.of(Named.of(name, yaml), line, key, detail);
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        error("unknown health key", web2("health:\n  drain_lag: 5\n"), 13, "health.drain_lag", "unknown key; expected one of drain_lag_s, down_lag_s, heartbeat_timeout_s"),
        error("health not a mapping", web2("health: 5\n"), 12, "health", "expected a mapping of keys (drain_lag_s, down_lag_s, heartbeat_timeout_s), got integer \"5\""),
        error("drain lag zero", web2("health:\n  drain_lag_s: 0\n"), 13, "health.drain_lag_s", "0 is out of range 1..86400"),
        error("drain lag quoted", web2("health:\n  drain_lag_s: '5'\n"), 13, "health.drain_lag_s", "expected an integer, got string \"5\""),
        error("heartbeat timeout one second", web2("health:\n  heartbeat_timeout_s: 1\n"), 13, "health.heartbeat_timeout_s", "1 is out of range 2..86400"),
        error("down not above drain", web2("health:\n  drain_lag_s: 30\n  down_lag_s: 30\n"), 14, "health.down_lag_s", "30 must be greater than drain_lag_s (30): a slave drains first, then goes down"),
        error("down below default drain", web2("health:\n  down_lag_s: 5\n"), 13, "health.down_lag_s", "5 must be greater than drain_lag_s (10)"),
        error("metrics without port", web2("    metrics: 127.0.0.1\n"), 12, "nodes[1].metrics", "'127.0.0.1' has no port; expected host:port"),
        error("metrics port out of range", web2("    metrics: 127.0.0.1:70000\n"), 12, "nodes[1].metrics", "port 70000 is out of range 1..65535"),
        error("metrics is a number", web2("    metrics: 9731\n"), 12, "nodes[1].metrics", "expected a string, got integer \"9731\""),
        error("agent_check with a path", web2("    agent_check: /run/agent.sock\n"), 12, "nodes[1].agent_check", "has no port"),
        error("metrics on the replication port", web2("    metrics: 10.0.0.2:8730\n"), 12, "nodes[1].metrics", "10.0.0.2:8730 is already taken by nodes[1].port at line 11 on the same host"),
        error("agent_check on the metrics address", web2("    metrics: 127.0.0.1:9000\n    agent_check: 127.0.0.1:9000\n"), 13, "nodes[1].agent_check", "127.0.0.1:9000 is already taken by nodes[1].metrics at line 12"),
        error("two agents on one host share a metrics address", """
            cluster: shop
            docroot: /var/www/html
            nodes:
              - name: web1
                role: master
                host: 10.0.0.1
                port: 8730
                metrics: 127.0.0.1:9731
              - name: web2
                role: slave
                host: 10.0.0.1
                port: 8731
                docroot: /srv/b
                metrics: 127.0.0.1:9731
            """, 14, "nodes[1].metrics", "127.0.0.1:9731 is already taken by nodes[0].metrics at line 8 on the same host"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void errorNamesFileLineKeyAndProblem(String yaml, int line, String key, String detail) {
    ConfigException e = catchThrowableOfType(ConfigException.class, () -> ClusterConfigLoader.parse(yaml, FILE));
    assertThat(e).as("expected a ConfigException").isNotNull();
    assertThat(e.key()).isEqualTo(key);
    assertThat(e.detail()).contains(detail);
    assertThat(e.line()).as(e.getMessage()).isEqualTo(line);
  }

  @Test
  void sameAddressOnDifferentHostsIsFine() throws ConfigException {
    ClusterConfig c = ClusterConfigLoader.parse(
        TEMPLATE.replace("    port: 8730\n  - name: web2", "    port: 8730\n    metrics: 0.0.0.0:9731\n  - name: web2")
            + "    metrics: 0.0.0.0:9731\n", FILE);
    assertThat(c.node("web1").metrics()).isEqualTo(c.node("web2").metrics()).isEqualTo(Optional.of(new Endpoint("0.0.0.0", 9731)));
  }
}
