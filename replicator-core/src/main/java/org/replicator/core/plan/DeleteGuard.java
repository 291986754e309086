package org.replicator.core.plan;

import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The mass-delete rule: a batch whose deletes, together with those of the last
 * {@link #WINDOW_NANOS} seconds, remove at least {@code minPaths} entries and more than
 * {@code threshold} of the tree is held for an operator ({@code replicator confirm-delete}). An
 * {@code rm -rf} reaches the planner as several batches, hence the window. What is deleted and
 * appears again in the same place within the window (an update) is not counted: see {@link
 * #holdReason(int, int, int)}.
 *
 * <p>Pure policy: no I/O (the master checks its docroot marker itself before asking), time from
 * the given ticker. Not thread-safe: the planner thread owns it (a confirmation runs as a planner
 * task).
 */
public final class DeleteGuard {
  /** Deletes dispatched within this window count together. */
  public static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final int minPaths;
  private final double threshold;
  private final LongSupplier nanoTime;
  /** {time, deleted entries, tree size before} of recent batches with deletes that went through. */
  private final ArrayDeque<long[]> recent = new ArrayDeque<>();
  /** After a confirmation, deletes go through until then (the rest of the confirmed wave). */
  private long confirmedUntilNanos;

  /**
   * @param minPaths {@code mass_delete_min_paths}
   * @param threshold {@code mass_delete_threshold}, a share of the tree between 0 and 1
   * @param nanoTime {@code System::nanoTime}, or a fake in tests
   */
  public DeleteGuard(int minPaths, double threshold, LongSupplier nanoTime) {
    this.minPaths = minPaths;
    this.threshold = threshold;
    this.nanoTime = nanoTime;
    this.confirmedUntilNanos = nanoTime.getAsLong();
  }

  /**
   * Null when a batch deleting {@code deletedEntries} of a tree of {@code entriesBefore} may go
   * (it then counts towards the window), else why it is held.
   */
  public String holdReason(int deletedEntries, int entriesBefore) {
    return holdReason(deletedEntries, entriesBefore, 0);
  }

  /**
   * As {@link #holdReason(int, int)}, for a batch whose deleted directories exist again on the
   * master with {@code replacedEntries} entries in them: an update (WordPress removes a plugin's
   * directory, then writes the new version in its place) is a replacement, not a loss. Only what
   * is really gone counts: {@code deletedEntries - replacedEntries}, never below zero. A real
   * mass delete (an emptied or unmounted tree) has nothing in place of what went, and is held.
   */
  public String holdReason(int deletedEntries, int entriesBefore, int replacedEntries) {
    if (replacedEntries < 0) {
      throw new IllegalArgumentException("negative replaced entries " + replacedEntries);
    }
    deletedEntries -= Math.min(deletedEntries, replacedEntries);
    if (deletedEntries == 0) {
      return null;
    }
    long now = nanoTime.getAsLong();
    if (now - confirmedUntilNanos < 0) {
      return null; // the operator confirmed these deletes: the rest of the same wave follows
    }
    recent.removeIf(d -> now - d[0] > WINDOW_NANOS);
    long deletes = deletedEntries;
    long treeBefore = entriesBefore;
    for (long[] d : recent) {
      deletes += d[1];
      treeBefore = Math.max(treeBefore, d[2]);
    }
    double share = treeBefore == 0 ? 1.0 : (double) deletes / treeBefore;
    if (deletes >= minPaths && share > threshold) {
      return String.format(Locale.ROOT, "mass delete: %d of %d entries within %d s (%.0f%%, threshold %.0f%%)",
          deletes, treeBefore, WINDOW_NANOS / 1_000_000_000L, share * 100, threshold * 100);
    }
    recent.add(new long[] {now, deletedEntries, entriesBefore});
    return null;
  }

  /** The operator released a held batch: the deletes of the next {@link #WINDOW_NANOS} are not held again. */
  public void confirmed() {
    recent.clear();
    confirmedUntilNanos = nanoTime.getAsLong() + WINDOW_NANOS;
  }
}
