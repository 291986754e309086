package org.replicator.core.plan;

/**
 * @param inlineMaxBytes files up to this size are read once into memory and shared by all slave
 *     sessions; larger ones are streamed from disk by each session
 * @param batchInlineBudget total inline bytes per batch (memory bound); past it files are streamed
 * @param settleNanos without close-write events: a file is at rest when no event touched it for
 *     this long and its stat did not change while it was read
 * @param moveWindowNanos without rename cookies: a path that disappeared is deleted only once no
 *     event touched it for this long, so that the other half of a rename can arrive and pair
 *     with it as a move
 * @param replicateDeletes the delete policy allows live deletes
 * @param newLargeFileBytes without close-write events: a file the index does not know yet, at
 *     least this big, ...
 * @param newLargeFileSettleNanos ... must be quiet this long (not just {@code settleNanos})
 * @param closeWriteKnown the change source reports close-write and pairs renames (inotify read
 *     directly): a file is shipped when its writer closed it or it arrived by rename, a file still
 *     open is not, and a vanished path is a delete at once. The four guesses above then only
 *     apply to paths the source could tell nothing about (found by a scan)
 * @param openSnapshotNanos with {@code closeWriteKnown}: a file open for writing longer than this
 *     without a close (a log appended for hours) is shipped as a snapshot, read at rest
 */
public record PlannerSettings(int inlineMaxBytes, long batchInlineBudget, long settleNanos, long moveWindowNanos, boolean replicateDeletes,
    long newLargeFileBytes, long newLargeFileSettleNanos, boolean closeWriteKnown, long openSnapshotNanos) {
  /** A new file at least this big waits {@link #DEFAULT_NEW_LARGE_FILE_SETTLE_NANOS} of quiet before it is read. */
  public static final long DEFAULT_NEW_LARGE_FILE_BYTES = 64L << 20;

  /**
   * Why a longer settle for new large files: a big file being written (an editor's or an
   * updater's temp file, an upload) pauses for more than 2 ms whenever the kernel throttles its
   * dirty pages, and would be read and sent half-written, only to be renamed over its target a
   * moment later. Waiting 200 ms of quiet lets the rename come first: then the target's new
   * version is patched against its previous one instead of sending a whole temp file.
   */
  public static final long DEFAULT_NEW_LARGE_FILE_SETTLE_NANOS = 200_000_000L;

  /**
   * Why 60 s: long enough for the writers that close (an upload of 200 MB at 10 MB/s takes 20 s,
   * a plugin update a few seconds), short enough that a log appended for hours (never closed, as
   * PHP's error_log with a persistent handle) reaches the slaves about once a minute. Shorter
   * would ship slow uploads half-written; never would leave logs behind for good.
   */
  public static final long DEFAULT_OPEN_SNAPSHOT_NANOS = 60_000_000_000L;

  public PlannerSettings(int inlineMaxBytes, long batchInlineBudget, long settleNanos, long moveWindowNanos, boolean replicateDeletes) {
    this(inlineMaxBytes, batchInlineBudget, settleNanos, moveWindowNanos, replicateDeletes,
        DEFAULT_NEW_LARGE_FILE_BYTES, DEFAULT_NEW_LARGE_FILE_SETTLE_NANOS, false, DEFAULT_OPEN_SNAPSHOT_NANOS);
  }

  public static PlannerSettings defaults() {
    return new PlannerSettings(1 << 20, 64L << 20, 2_000_000L, 20_000_000L, true);
  }

  /** The same settings for a source that does ({@code true}) or does not report close-write and rename pairs. */
  public PlannerSettings withCloseWrite(boolean known, long snapshotNanos) {
    return new PlannerSettings(inlineMaxBytes, batchInlineBudget, settleNanos, moveWindowNanos, replicateDeletes,
        newLargeFileBytes, newLargeFileSettleNanos, known, snapshotNanos);
  }
}
