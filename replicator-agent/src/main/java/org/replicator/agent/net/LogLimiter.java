package org.replicator.agent.net;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Says whether a line about the same thing (a peer host and a reason) may be logged again: at most
 * once per interval, so that a misconfigured peer retrying every few seconds, or a scanner, does
 * not flood the log. Keys are forgotten wholesale when there are too many (memory stays bounded
 * whatever peers do). Thread safe.
 */
public final class LogLimiter {
  private static final int MAX_KEYS = 256;
  private final long intervalNanos;
  private final ConcurrentHashMap<String, Long> last = new ConcurrentHashMap<>();

  public LogLimiter(long interval, TimeUnit unit) {
    this.intervalNanos = unit.toNanos(interval);
  }

  /** True when nothing was logged for {@code key} within the interval (and records it). */
  public boolean allow(String key) {
    long now = System.nanoTime();
    if (last.size() >= MAX_KEYS) {
      last.clear();
    }
    boolean[] allowed = {false};
    last.compute(key, (k, previous) -> {
      if (previous == null || now - previous >= intervalNanos) {
        allowed[0] = true;
        return now;
      }
      return previous;
    });
    return allowed[0];
  }
}
