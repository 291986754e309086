package org.replicator.core.plan;

import java.util.function.LongSupplier;

/** A nanosecond ticker that moves only when a test advances it. Starts far from zero. */
final class FakeTicker implements LongSupplier {
  private long now = 1_000_000_000_000L;

  @Override
  public long getAsLong() {
    return now;
  }

  void advanceMillis(long millis) {
    now += millis * 1_000_000L;
  }

  void advanceNanos(long nanos) {
    now += nanos;
  }
}
