package org.replicator.core.health;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;

/**
 * Decides from a freshness file and a clock whether the slave may take visitors: the reference for
 * the web health check (the PHP snippet in config/ follows the same rules). Stale when:
 *
 * <ol>
 *   <li>the file is missing, unreadable or malformed (no agent ever ran here, or a bug);
 *   <li>its heartbeat is older than {@code heartbeat_timeout_s}: the agent is stopped or hung, so
 *       nothing says the docroot is still being kept current;
 *   <li>its verdict is {@code down} (lag past {@code down_lag_s}, or replication blocked);
 *   <li>its lag plus the heartbeat's age reaches {@code down_lag_s}: the lag keeps growing while
 *       nobody rewrites the file.
 * </ol>
 *
 * {@code drain} stays fresh: draining is the agent-check's job; failing the health check marks the
 * server down. A heartbeat from the future (the clock stepped back) counts as age 0. Stateless.
 */
public final class FreshnessCheck {
  /** A freshness file is ~250 bytes; anything past this is not ours. */
  static final long MAX_BYTES = 4096;

  private FreshnessCheck() {}

  /** The decision and why, in words an operator reads in a health-check log. */
  public record Result(boolean fresh, String reason) {}

  public static Result check(Freshness f, Clock clock) {
    double age = Math.max(0, clock.millis() - f.heartbeatMillis()) / 1000.0;
    if (age > f.heartbeatTimeoutSeconds()) {
      return new Result(false, String.format(Locale.ROOT,
          "heartbeat %.1f s old (timeout %d s): is the replicator agent of %s running?", age, f.heartbeatTimeoutSeconds(), f.node()));
    }
    if (f.verdict() == Verdict.DOWN) {
      return new Result(false, String.format(Locale.ROOT, "agent says down (lag %.1f s)", f.lagSeconds()));
    }
    double lag = f.lagSeconds() + age;
    if (lag >= f.downLagSeconds()) {
      return new Result(false, String.format(Locale.ROOT, "lag %.1f s reaches down_lag_s %d", lag, f.downLagSeconds()));
    }
    return new Result(true, String.format(Locale.ROOT, "%s, lag %.1f s, heartbeat %.1f s old", f.verdict().label(), lag, age));
  }

  /** Reads {@code file} and checks it; any problem reading it is a stale result naming the file. */
  public static Result check(Path file, Clock clock) {
    try {
      if (Files.size(file) > MAX_BYTES) {
        return new Result(false, file + ": larger than " + MAX_BYTES + " bytes, not a freshness file");
      }
      return check(Freshness.parse(Files.readString(file, StandardCharsets.UTF_8)), clock);
    } catch (NoSuchFileException e) {
      return new Result(false, file + ": missing (is this a slave, and did its agent ever run?)");
    } catch (IOException e) {
      return new Result(false, file + ": cannot read: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      return new Result(false, file + ": malformed: " + e.getMessage());
    }
  }
}
