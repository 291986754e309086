package org.replicator.agent.systemd;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one-line summary of an agent's status map ({@code replicator status --json}) that systemd
 * shows as the unit's {@code Status:}. What an operator glancing at {@code systemctl status}
 * needs: the role, whether every slave is live (or whether the slave has its master), the lag,
 * and why it is held or blocked. Pure: the fields are those documented in docs/operations.md.
 */
public final class StatusLine {
  private StatusLine() {}

  public static String of(Map<String, Object> status) {
    return "master".equals(status.get("role")) ? master(status) : slave(status);
  }

  private static String master(Map<String, Object> s) {
    List<?> slaves = s.get("slaves") instanceof List<?> l ? l : List.of();
    int live = 0;
    double maxLag = 0;
    for (Object o : slaves) {
      if (o instanceof Map<?, ?> slave) {
        if ("live".equals(slave.get("state"))) {
          live++;
        }
        if (slave.get("lagSeconds") instanceof Number n) {
          maxLag = Math.max(maxLag, n.doubleValue());
        }
      }
    }
    StringBuilder line = new StringBuilder("master: ")
        .append(live).append('/').append(slaves.size()).append(" slaves live, max lag ")
        .append(String.format(Locale.ROOT, "%.1f", maxLag)).append(" s, batch ").append(s.get("seq"));
    Object state = s.get("state");
    if (state != null && !"running".equals(state)) {
      line.append(", ").append(state);
      if (s.get("message") != null) {
        line.append(": ").append(s.get("message"));
      }
    }
    return line.toString();
  }

  private static String slave(Map<String, Object> s) {
    StringBuilder line = new StringBuilder("slave: ");
    line.append(Boolean.TRUE.equals(s.get("masterConnected")) ? "connected to master" : "waiting for master");
    line.append(", applied batch ").append(s.get("lastAppliedSeq"));
    if (s.get("health") != null) {
      line.append(", health ").append(s.get("health"));
    }
    if ("blocked".equals(s.get("state")) && s.get("message") != null) {
      line.append(", blocked: ").append(s.get("message"));
    }
    return line.toString();
  }
}
