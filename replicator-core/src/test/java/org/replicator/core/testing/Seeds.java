package org.replicator.core.testing;

import java.util.Random;

/**
 * Seeded randomness for property-style loops: a run prints its seed, and {@code -Dtest.seed=N}
 * replays it. {@code -Dtest.tries=N} scales every loop (the CI budget is the default; a longer
 * profile passes a bigger number).
 */
public final class Seeds {
  private Seeds() {}

  public static Random random(String testName) {
    long seed = Long.getLong("test.seed", System.nanoTime());
    System.out.println(testName + " seed=" + seed + " (replay with -Dtest.seed=" + seed + ")");
    return new Random(seed);
  }

  public static int tries(int ciDefault) {
    return Integer.getInteger("test.tries", ciDefault);
  }
}
