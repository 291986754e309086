package org.replicator.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.replicator.core.wire.Protocol;

/**
 * The names the meters export are exactly those docs/metrics.md documents, with the values the
 * stats hold; the Grafana dashboard only queries documented names.
 */
class MeterNamesTest {
  static final Path DOC = Path.of("..", "docs", "metrics.md");
  static final Path DASHBOARD = Path.of("..", "config", "grafana-dashboard.json");
  /** A documented metric: a backticked replicator_ name at the start of a table row. */
  static final Pattern DOC_ROW = Pattern.compile("^\\| `(replicator_[a-z_]+)`", Pattern.MULTILINE);
  static final Pattern SAMPLE = Pattern.compile("^(replicator_[a-z_]+)[{ ]", Pattern.MULTILINE);
  static final Pattern EXPR_NAME = Pattern.compile("replicator_[a-z_]+");

  static String scrape(boolean master) {
    try (Meters meters = new Meters("shop", master ? "web1" : "web2")) {
      if (master) {
        MasterMeters.bind(meters, new FakeStats.Master());
      } else {
        SlaveMeters.bind(meters, new FakeStats.Slave(), "web1");
      }
      // Both roles: the epoch as a failover left it.
      EpochMeters.bind(meters, org.replicator.core.role.Fence.inMemory(new org.replicator.core.role.Epoch(3, "web2")), java.util.List.of("web1", "web2"));
      return meters.registry().scrape();
    }
  }

  static Set<String> names(Pattern p, String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      names.add(m.group(m.groupCount() >= 1 ? 1 : 0));
    }
    return names;
  }

  static Set<String> documented() throws IOException {
    return names(DOC_ROW, Files.readString(DOC, StandardCharsets.UTF_8));
  }

  @Test
  void everyExportedNameIsDocumentedAndEveryDocumentedNameIsExported() throws IOException {
    Set<String> exported = new TreeSet<>(names(SAMPLE, scrape(true)));
    exported.addAll(names(SAMPLE, scrape(false)));
    assertThat(documented()).isEqualTo(exported);
  }

  @Test
  void bothRolesExportTheEpochAndWhichNodeIsMaster() {
    for (boolean master : new boolean[] {true, false}) {
      String node = master ? "web1" : "web2";
      assertThat(scrape(master))
          .contains("replicator_cluster_epoch{cluster=\"shop\",node=\"" + node + "\"} 3.0")
          .contains("replicator_cluster_master{cluster=\"shop\",master=\"web2\",node=\"" + node + "\"} 1.0")
          .contains("replicator_cluster_master{cluster=\"shop\",master=\"web1\",node=\"" + node + "\"} 0.0");
    }
  }

  @Test
  void masterExportsPerSlaveLagWithTheSlaveLabel() {
    String text = scrape(true);
    assertThat(text)
        .contains("replicator_slave_lag_seconds{cluster=\"shop\",node=\"web1\",slave=\"web2\"} 2.5")
        .contains("replicator_slave_lag_batches{cluster=\"shop\",node=\"web1\",slave=\"web2\"} 3.0")
        .contains("replicator_slave_lag_bytes{cluster=\"shop\",node=\"web1\",slave=\"web2\"} 4096.0")
        .contains("replicator_slave_connected{cluster=\"shop\",node=\"web1\",slave=\"web2\"} 1.0")
        .contains("replicator_slave_last_applied_timestamp_seconds{cluster=\"shop\",node=\"web1\",slave=\"web2\"} 1.7672256E9")
        .contains("replicator_slave_queue_bytes{cluster=\"shop\",node=\"web1\",slave=\"web2\"} 2048.0")
        .contains("replicator_journal_disk_bytes{cluster=\"shop\",node=\"web1\"} 65536.0")
        .contains("replicator_journal_segments{cluster=\"shop\",node=\"web1\"} 2.0")
        .contains("replicator_slave_journal_backlog_batches{cluster=\"shop\",node=\"web1\",slave=\"web2\"} 7.0")
        .contains("replicator_tls_certificate_expiry_seconds{cluster=\"shop\",node=\"web1\"} 1.8039024E9")
        .containsPattern("replicator_build_info\\{cluster=\"shop\",node=\"web1\",protocol=\"" + Protocol.MAJOR + "\\." + Protocol.MINOR
            + "\",version=\"[^\"]+\"\\} 1")
        .contains("replicator_errors_total{cluster=\"shop\",kind=\"connection\",node=\"web1\"} 3.0")
        .contains("replicator_rescans_total{cause=\"overflow\",cluster=\"shop\",node=\"web1\"} 1.0")
        .contains("replicator_held{cluster=\"shop\",node=\"web1\"} 1.0")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  void slaveExportsItsOwnLagAndWhatItApplied() {
    String text = scrape(false);
    assertThat(text)
        .contains("replicator_lag_seconds{cluster=\"shop\",node=\"web2\"} 12.0")
        .contains("replicator_agent_check{cluster=\"shop\",node=\"web2\",state=\"drain\"} 1.0")
        .contains("replicator_agent_check{cluster=\"shop\",node=\"web2\",state=\"up\"} 0.0")
        .contains("replicator_applied_bytes_total{cluster=\"shop\",node=\"web2\"} 5000.0")
        .contains("replicator_applied_files_total{cluster=\"shop\",node=\"web2\"} 5.0")
        .contains("replicator_errors_total{cluster=\"shop\",kind=\"apply\",node=\"web2\"} 1.0")
        .contains("replicator_wire_received_bytes_total{cluster=\"shop\",node=\"web2\",peer=\"web1\"} 2.0")
        .contains("replicator_hook_runs_total{cluster=\"shop\",node=\"web2\"} 9.0")
        .contains("replicator_hook_failures_total{cluster=\"shop\",node=\"web2\"} 3.0")
        .as("no certificate (transport: plain): no expiry series, which an alert would read as expired")
        .doesNotContain("replicator_tls_certificate_expiry_seconds");
  }

  @Test
  void dashboardIsValidJsonAndQueriesOnlyDocumentedNames() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<String> exprs = new ArrayList<>();
    dashboard.findValues("expr").forEach(e -> exprs.add(e.asText()));
    assertThat(exprs).as("panel queries").hasSizeGreaterThan(5);
    Set<String> documented = documented();
    for (String expr : exprs) {
      Set<String> used = names(EXPR_NAME, expr);
      assertThat(used).as(expr).isNotEmpty();
      for (String name : used) {
        String base = name.replaceAll("_(bucket|count|sum)$", "");
        assertThat(documented).as("metric in dashboard query: " + expr).contains(base);
      }
    }
  }

  /**
   * Every data source a panel or variable names is the dashboard's {@code datasource} variable,
   * and every import input ({@code __inputs}) is used somewhere: an input no panel uses makes the
   * import ask for a data source that changes nothing.
   */
  @Test
  void dashboardDataSourcesAreDeclaredOnceAndAllUsed() throws IOException {
    String text = Files.readString(DASHBOARD, StandardCharsets.UTF_8);
    JsonNode dashboard = new ObjectMapper().readTree(text);
    Set<String> variables = new TreeSet<>();
    dashboard.path("templating").path("list").forEach(v -> variables.add(v.path("name").asText()));
    assertThat(variables).contains("datasource");
    List<JsonNode> refs = dashboard.findValues("datasource");
    assertThat(refs).as("data source references").hasSizeGreaterThan(5);
    for (JsonNode ref : refs) {
      if (ref.isObject()) {
        assertThat(ref.path("uid").asText()).as("a panel's or variable's data source").isEqualTo("${datasource}");
      }
    }
    for (JsonNode input : dashboard.path("__inputs")) {
      assertThat(text).as("import input %s is used by a panel", input.path("name").asText())
          .contains("${" + input.path("name").asText() + "}");
    }
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(panel.path("datasource").path("uid").asText()).as("panel %s", panel.path("title").asText()).isEqualTo("${datasource}");
    }
  }
}
