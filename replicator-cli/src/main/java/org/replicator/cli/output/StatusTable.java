package org.replicator.cli.output;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Renders the agent's status JSON as the table operators read. */
public final class StatusTable {
  private StatusTable() {}

  public static String render(JsonNode s) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "cluster %s  node %s (%s)  state %s", s.path("cluster").asText(), s.path("node").asText(),
        s.path("role").asText(), s.path("state").asText()));
    if (s.has("seq")) {
      out.append("  batch ").append(s.path("seq").asLong());
    }
    if (s.has("lastAppliedSeq")) {
      out.append("  last applied batch ").append(s.path("lastAppliedSeq").asLong());
    }
    out.append('\n');
    if (!s.path("message").isNull() && !s.path("message").asText().isEmpty()) {
      out.append("  ").append(s.path("message").asText()).append('\n');
    }
    if (s.has("epoch")) {
      out.append("  epoch ").append(s.path("epoch").asLong()).append("  master ").append(s.path("currentMaster").asText()).append('\n');
    }
    for (String note : List.of("roleNote", "steppedDown", "keptAsideNote")) {
      if (s.hasNonNull(note)) {
        out.append("  ").append(s.path(note).asText()).append('\n');
      }
    }
    for (JsonNode dir : s.path("keptAside")) {
      out.append("  kept aside (review, then reapply on the master): ").append(dir.asText()).append('\n');
    }
    for (JsonNode path : s.path("keptAsideDeleted")) {
      out.append("  deleted here while cut off, back from the master (delete it there if meant): ").append(path.asText()).append('\n');
    }
    if (s.hasNonNull("keptAsideDeletedNote")) {
      out.append("  ").append(s.path("keptAsideDeletedNote").asText()).append('\n');
    }
    if (s.has("slaves")) {
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"SLAVE", "ADDRESS", "STATE", "ACKED", "LAG BATCHES", "LAG BYTES", "LAG S", "LAST ERROR"});
      for (JsonNode slave : s.path("slaves")) {
        rows.add(new String[] {
            slave.path("name").asText(),
            slave.path("address").asText(),
            slave.path("state").asText(),
            Long.toString(slave.path("lastAckedSeq").asLong()),
            Long.toString(slave.path("lagBatches").asLong()),
            Long.toString(slave.path("lagBytes").asLong()),
            String.format(Locale.ROOT, "%.1f", slave.path("lagSeconds").asDouble()),
            text(slave.path("lastError"))});
      }
      table(out, rows);
      for (JsonNode slave : s.path("slaves")) {
        for (JsonNode f : slave.path("failures")) {
          out.append("  ").append(slave.path("name").asText()).append(": failed ").append(f.path("path").asText())
              .append(": ").append(f.path("reason").asText()).append('\n');
        }
      }
    } else {
      out.append(String.format(Locale.ROOT, "  master %s connected %s  applied %d files, %d bytes  last error %s%n",
          text(s.path("master")), s.path("masterConnected").asBoolean(), s.path("appliedFiles").asLong(),
          s.path("appliedBytes").asLong(), text(s.path("lastError"))));
      if (s.has("health")) {
        out.append(String.format(Locale.ROOT, "  lag %.1f s, %d batches not applied  agent-check %s: %s%n",
            s.path("lagSeconds").asDouble(), s.path("lagBatches").asLong(), s.path("health").asText(), text(s.path("healthReason"))));
      }
      for (JsonNode f : s.path("failures")) {
        out.append("  failed ").append(f.path("path").asText()).append(": ").append(f.path("reason").asText()).append('\n');
      }
      for (JsonNode h : s.path("hooks")) {
        JsonNode f = h.path("lastFailure");
        if (f.isObject()) {
          out.append("  hook ").append(h.path("name").asText()).append(" failing since batch ").append(f.path("seq").asLong())
              .append(" at ").append(f.path("at").asText()).append(": ").append(f.path("reason").asText()).append('\n');
          String tail = f.path("stderrTail").asText("").strip();
          if (!tail.isEmpty()) {
            for (String line : tail.split("\n")) {
              out.append("    | ").append(line).append('\n');
            }
          }
        }
      }
    }
    return out.toString();
  }

  /**
   * True when every slave is live and has nothing unacknowledged (or, for a slave node, it is
   * connected and its agent-check answers up).
   */
  public static boolean allInSync(JsonNode s) {
    if (!s.has("slaves")) {
      return s.path("masterConnected").asBoolean(false) && s.path("health").asText("up").equals("up");
    }
    if (!"running".equals(s.path("state").asText())) {
      return false;
    }
    for (JsonNode slave : s.path("slaves")) {
      if (!"live".equals(slave.path("state").asText()) || slave.path("lagBatches").asLong() > 0) {
        return false;
      }
    }
    return true;
  }

  private static String text(JsonNode n) {
    return n == null || n.isNull() || n.isMissingNode() || n.asText().isEmpty() ? "-" : n.asText();
  }

  private static void table(StringBuilder out, List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i == row.length - 1 ? row[i] : String.format(Locale.ROOT, "%-" + widths[i] + "s  ", row[i]));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
  }
}
