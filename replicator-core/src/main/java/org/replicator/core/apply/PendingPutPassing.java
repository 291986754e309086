package org.replicator.core.apply;

import org.replicator.core.op.Op;
import org.replicator.core.path.RelPath;

/**
 * Which op may be applied while verified puts still wait for their fsync (parallel-sync mode),
 * instead of first waiting for those fsyncs and installing the puts. By default every op other
 * than a put installs the pending puts first, so ops take effect in op order; waiting there means
 * one fsync at a time.
 *
 * <p>The exception: a {@link Op.SetMeta} that cannot change how any pending put installs. The
 * planner ends nearly every batch with a set-meta of the parents whose entries it changed (their
 * mtimes), so a journal replay of one-file batches, merged into one apply unit, still waited for
 * each file's fsync alone before that set-meta (JFR of bench/replay.sh: 974 waits in {@code
 * Applier.apply} for 954 batches; docs/benchmarks.md, "Issue 16, session 3: replay"). Such a
 * set-meta may pass the pending puts when:
 *
 * <ul>
 *   <li>its path is not a pending put's path nor under one (those must see the put first);
 *   <li>when it is an ancestor of a pending put (the usual parent), its mode keeps the owner's
 *       write and search bits: a non-root slave could otherwise no longer create the file in it,
 *       which it could have in op order (root is not bound by modes). An mtime it sets is set
 *       again at the batch's end ({@link Applier#endBatch}), after the installs that bump it.
 * </ul>
 *
 * The tree at the batch's end is the same as in op order; only the moment at which a reader sees
 * that metadata changes, which no guarantee covers (a batch is not atomic; each file is).
 * Pure function, no state.
 */
final class PendingPutPassing {
  /** Owner write and search: what creating and renaming an entry in a directory needs. */
  private static final int OWNER_WRITE_SEARCH = 0300;

  private PendingPutPassing() {}

  /** Whether {@code op} may be applied before the puts at {@code pendingPaths} are installed. */
  static boolean mayPass(Op op, Iterable<String> pendingPaths) {
    if (!(op instanceof Op.SetMeta setMeta)) {
      return false;
    }
    String path = setMeta.path();
    boolean keepsDirectoryUsable = (setMeta.meta().mode() & OWNER_WRITE_SEARCH) == OWNER_WRITE_SEARCH;
    for (String pending : pendingPaths) {
      if (RelPath.isSameOrUnder(path, pending)) {
        return false;
      }
      if (!keepsDirectoryUsable && (path.isEmpty() || RelPath.isSameOrUnder(pending, path))) {
        return false;
      }
    }
    return true;
  }
}
