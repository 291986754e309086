package org.replicator.core.batch;

/**
 * What the coalescer knows of one pending path.
 *
 * @param mustRead a MODIFY (or CREATE) was seen: the content must be read even when size and
 *     times look unchanged (kernel timestamps are coarse: two same-size writes inside one tick
 *     leave identical stat, which is how rsync's quick check loses edits)
 * @param lastEventNanos ticker time of the latest event for this path, for the at-rest rule
 * @param write what the latest event said about writers of the file (see {@link Write})
 * @param writeNanos ticker time of the event that set {@code write}: the later one wins a merge
 * @param openSinceNanos while {@code write} is open: ticker time since which the file has been
 *     open without a close (the long-open snapshot rule counts from it); else {@link Coalescer#NONE}
 * @param gone an event said the path went (DELETE, or the old name of a MOVED): when the planner
 *     finds it absent, that is explained; absent without such an event, the event that explains
 *     it (most often the rename that took it) is still on its way
 */
public record PathHint(boolean mustRead, long lastEventNanos, Write write, long writeNanos, long openSinceNanos, boolean gone) {
  /** Whether a writer has the file open, as far as the source can tell. */
  public enum Write {
    /** The source does not tell (the portable watcher, a rescan, a metadata change): guess from quiet time. */
    UNKNOWN,
    /** Created and not closed yet (or a hard link, which never gets a close: the planner checks). */
    CREATED,
    /** Written and not closed yet. */
    WRITING,
    /**
     * Found open for writing by a scan, not by an event: its close may never be reported (it can
     * come before the directory's watch), so the planner asks the kernel again after a while.
     */
    FOUND_OPEN,
    /** Its writer closed it, or it arrived by rename: complete. */
    CLOSED;

    public boolean isOpen() {
      return this == CREATED || this == WRITING || this == FOUND_OPEN;
    }
  }

  public PathHint(boolean mustRead, long lastEventNanos) {
    this(mustRead, lastEventNanos, Write.UNKNOWN, lastEventNanos, Coalescer.NONE, false);
  }

  public PathHint(boolean mustRead, long lastEventNanos, Write write, long writeNanos, long openSinceNanos) {
    this(mustRead, lastEventNanos, write, writeNanos, openSinceNanos, false);
  }

  /** The hint of an event that said the path went. */
  public static PathHint gone(long nanos) {
    return new PathHint(false, nanos, Write.UNKNOWN, nanos, Coalescer.NONE, true);
  }

  /** A hint whose event said {@code write} at {@code nanos}. */
  public static PathHint of(boolean mustRead, long nanos, Write write) {
    return new PathHint(mustRead, nanos, write, nanos, write.isOpen() ? nanos : Coalescer.NONE);
  }

  public boolean isOpen() {
    return write.isOpen();
  }

  public PathHint merge(PathHint later) {
    // Whichever event about writers came last decides; an UNKNOWN one tells nothing.
    boolean laterWins = later.write != Write.UNKNOWN && (write == Write.UNKNOWN || later.writeNanos - writeNanos >= 0);
    Write w = laterWins ? later.write : write;
    long wn = laterWins ? later.writeNanos : writeNanos;
    long open = Coalescer.NONE;
    if (w.isOpen()) {
      open = laterWins ? later.openSinceNanos : openSinceNanos;
      if (write.isOpen() && later.write.isOpen()) {
        open = earlier(openSinceNanos, later.openSinceNanos); // still open since the first of them
      }
    }
    return new PathHint(mustRead || later.mustRead, Math.max(lastEventNanos, later.lastEventNanos), w, wn, open, gone || later.gone);
  }

  private static long earlier(long a, long b) {
    return a - b <= 0 ? a : b;
  }
}
