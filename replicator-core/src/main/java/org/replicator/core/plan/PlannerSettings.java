package org.replicator.core.plan;

/**
 * @param inlineMaxBytes files up to this size are read once into memory and shared by all slave
 *     sessions; larger ones are streamed from disk by each session
 * @param batchInlineBudget total inline bytes per batch (memory bound); past it files are streamed
 * @param settleNanos a file is at rest when no event touched it for this long and its stat did
 *     not change while it was read
 * @param moveWindowNanos a path that disappeared is deleted only once no event touched it for this
 *     long, so that the other half of a rename can arrive and pair with it as a move
 * @param replicateDeletes the delete policy allows live deletes
 * @param newLargeFileBytes a file the index does not know yet, at least this big, ...
 * @param newLargeFileSettleNanos ... must be quiet this long (not just {@code settleNanos})
 */
public record PlannerSettings(int inlineMaxBytes, long batchInlineBudget, long settleNanos, long moveWindowNanos, boolean replicateDeletes,
    long newLargeFileBytes, long newLargeFileSettleNanos) {
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

  public PlannerSettings(int inlineMaxBytes, long batchInlineBudget, long settleNanos, long moveWindowNanos, boolean replicateDeletes) {
    this(inlineMaxBytes, batchInlineBudget, settleNanos, moveWindowNanos, replicateDeletes,
        DEFAULT_NEW_LARGE_FILE_BYTES, DEFAULT_NEW_LARGE_FILE_SETTLE_NANOS);
  }

  public static PlannerSettings defaults() {
    return new PlannerSettings(1 << 20, 64L << 20, 2_000_000L, 20_000_000L, true);
  }
}
