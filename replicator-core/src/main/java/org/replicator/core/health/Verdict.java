package org.replicator.core.health;

import java.util.Locale;
import org.replicator.core.config.HealthConfig;

/**
 * What a slave answers HAProxy's agent-check, from its lag and the cluster file's thresholds:
 * {@code up} below {@code drain_lag_s}, {@code drain} from there, {@code down} from {@code
 * down_lag_s} or when the slave refuses to replicate (blocked: docroot marker missing).
 */
public enum Verdict {
  UP,
  DRAIN,
  DOWN;

  /** Longest reason sent to HAProxy; its stats page shows it, and a check line must stay short. */
  static final int MAX_REASON = 200;

  public static Verdict of(double lagSeconds, boolean blocked, HealthConfig health) {
    if (blocked || lagSeconds >= health.downLagSeconds()) {
      return DOWN;
    }
    return lagSeconds >= health.drainLagSeconds() ? DRAIN : UP;
  }

  /** Lower-case name, as in status JSON, metrics labels and the freshness file. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Verdict ofLabel(String label) {
    for (Verdict v : values()) {
      if (v.label().equals(label)) {
        return v;
      }
    }
    throw new IllegalArgumentException("'" + label + "' is not up, drain or down");
  }

  /**
   * The agent-check answer, one line. HAProxy keeps what an agent set until the agent reverts it,
   * so every answer sets both states: {@code up ready} clears a drain we set earlier; {@code up
   * drain} brings a server we had set down back, drained; {@code down} marks it down. The reason
   * after {@code #} shows on HAProxy's stats page.
   */
  public String agentCheckLine(String reason) {
    String words = switch (this) {
      case UP -> "up ready";
      case DRAIN -> "up drain";
      case DOWN -> "down";
    };
    String why = printable(reason);
    return (why.isEmpty() ? words : words + " # " + why) + "\n";
  }

  /** Printable ASCII only, no line breaks (one line is the whole answer), at most 200 characters. */
  static String printable(String text) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < text.length() && s.length() < MAX_REASON; i++) {
      char c = text.charAt(i);
      s.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return s.toString().trim();
  }
}
