package org.replicator.agent.stats;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Errors by {@link ErrorKind} since the agent started: one count for status JSON and metrics
 * alike. Written from any thread (lock-free adders), read by the control endpoint and scrapes.
 */
public final class ErrorCounts {
  private final Map<ErrorKind, LongAdder> counts = new EnumMap<>(ErrorKind.class);

  public ErrorCounts() {
    for (ErrorKind kind : ErrorKind.values()) {
      counts.put(kind, new LongAdder());
    }
  }

  public void add(ErrorKind kind) {
    counts.get(kind).increment();
  }

  public void add(ErrorKind kind, long n) {
    counts.get(kind).add(n);
  }

  public long count(ErrorKind kind) {
    return counts.get(kind).sum();
  }

  /** Kinds seen at least once, by label, for status JSON. */
  public Map<String, Long> snapshot() {
    Map<String, Long> m = new LinkedHashMap<>();
    counts.forEach((kind, n) -> {
      long v = n.sum();
      if (v > 0) {
        m.put(kind.label(), v);
      }
    });
    return m;
  }
}
