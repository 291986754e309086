package org.replicator.core.health;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The content of a slave's freshness file ({@code <docroot>/.replicator/freshness}), which the
 * agent rewrites every second so that the web node's own health check can tell a current slave
 * from one whose agent is stopped or far behind (HAProxy ignores an agent-check it cannot reach).
 *
 * <p>Format: UTF-8 text, one {@code key=value} per line, in this order, nothing else (a PHP
 * {@code parse_ini_string(..., INI_SCANNER_RAW)} or a shell {@code grep} reads it):
 *
 * <pre>
 * format=1
 * node=web2
 * pid=4242
 * heartbeat_ms=1767225600123      (epoch ms when the agent wrote the file)
 * verdict=up                      (up, drain or down: the agent-check answer)
 * lag_s=0.000                     (the slave's lag when written, docs/operations.md)
 * master_connected=true
 * last_applied_seq=812
 * last_applied_ms=1767225599870   (0 when nothing was applied since the agent started)
 * drain_lag_s=10
 * down_lag_s=60
 * heartbeat_timeout_s=15
 * </pre>
 *
 * The thresholds travel in the file so that a reader needs no copy of the cluster file. Unknown
 * keys are ignored by {@link #parse} (a newer agent may add some); a missing one is an error.
 */
public record Freshness(
    String node,
    long pid,
    long heartbeatMillis,
    Verdict verdict,
    double lagSeconds,
    boolean masterConnected,
    long lastAppliedSeq,
    long lastAppliedMillis,
    int drainLagSeconds,
    int downLagSeconds,
    int heartbeatTimeoutSeconds) {
  public static final int FORMAT = 1;
  /** Where the file lives, relative to the docroot: inside the reserved, never replicated folder. */
  public static final String RELATIVE_PATH = ".replicator/freshness";

  public Freshness {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(verdict, "verdict");
  }

  public String format() {
    return "format=" + FORMAT + "\n"
        + "node=" + node + "\n"
        + "pid=" + pid + "\n"
        + "heartbeat_ms=" + heartbeatMillis + "\n"
        + "verdict=" + verdict.label() + "\n"
        + "lag_s=" + String.format(Locale.ROOT, "%.3f", lagSeconds) + "\n"
        + "master_connected=" + masterConnected + "\n"
        + "last_applied_seq=" + lastAppliedSeq + "\n"
        + "last_applied_ms=" + lastAppliedMillis + "\n"
        + "drain_lag_s=" + drainLagSeconds + "\n"
        + "down_lag_s=" + downLagSeconds + "\n"
        + "heartbeat_timeout_s=" + heartbeatTimeoutSeconds + "\n";
  }

  /** Reads {@link #format()}'s text; the exception names the key that is missing or wrong. */
  public static Freshness parse(String text) {
    Map<String, String> kv = new LinkedHashMap<>();
    for (String line : text.split("\n", -1)) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        kv.putIfAbsent(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
      }
    }
    long format = number(kv, "format");
    if (format != FORMAT) {
      throw new IllegalArgumentException("format=" + format + " is not " + FORMAT + " (written by another version)");
    }
    return new Freshness(
        value(kv, "node"),
        number(kv, "pid"),
        number(kv, "heartbeat_ms"),
        Verdict.ofLabel(value(kv, "verdict")),
        decimal(kv, "lag_s"),
        bool(kv, "master_connected"),
        number(kv, "last_applied_seq"),
        number(kv, "last_applied_ms"),
        (int) number(kv, "drain_lag_s"),
        (int) number(kv, "down_lag_s"),
        (int) number(kv, "heartbeat_timeout_s"));
  }

  private static String value(Map<String, String> kv, String key) {
    String v = kv.get(key);
    if (v == null) {
      throw new IllegalArgumentException("missing " + key);
    }
    return v;
  }

  private static long number(Map<String, String> kv, String key) {
    String v = value(kv, key);
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "='" + v + "' is not an integer", e);
    }
  }

  private static double decimal(Map<String, String> kv, String key) {
    String v = value(kv, key);
    try {
      double d = Double.parseDouble(v);
      if (!Double.isFinite(d)) {
        throw new NumberFormatException(v);
      }
      return d;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "='" + v + "' is not a number", e);
    }
  }

  private static boolean bool(Map<String, String> kv, String key) {
    String v = value(kv, key);
    if (!v.equals("true") && !v.equals("false")) {
      throw new IllegalArgumentException(key + "='" + v + "' is not true or false");
    }
    return v.equals("true");
  }
}
