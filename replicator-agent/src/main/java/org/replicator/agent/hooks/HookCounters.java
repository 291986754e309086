package org.replicator.agent.hooks;

import java.util.concurrent.atomic.AtomicLong;

/** Hook runs and failures since the agent started, over every hook (also those since reloaded away). */
final class HookCounters {
  private final AtomicLong runs = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();

  void ran() {
    runs.incrementAndGet();
  }

  void failed() {
    failures.incrementAndGet();
  }

  long runs() {
    return runs.get();
  }

  long failures() {
    return failures.get();
  }
}
