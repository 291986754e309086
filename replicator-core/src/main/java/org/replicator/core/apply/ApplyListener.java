package org.replicator.core.apply;

import org.replicator.core.op.Op;

/**
 * What an {@link Applier} reports besides its results and exceptions. The agent binds this to
 * logs, status and metrics. Called on the applier thread; implementations must be quick and must
 * not throw. Failures are not reported here: they are thrown to the caller, which handles them
 * once.
 */
public interface ApplyListener {
  ApplyListener NONE = new ApplyListener() {};

  /** {@link Applier#start()} removed {@code count} leftovers of an earlier run from the temp dir. */
  default void leftoverTempFilesRemoved(int count) {}

  /** {@link Applier#start()} removed a directory swap's staging sibling that a crash left behind ({@link SwapLeftovers}). */
  default void leftoverSwapStagingRemoved(String path) {}

  /** An op took effect; {@code bytes} is the content size for a put, 0 otherwise. */
  default void applied(Op op, long bytes) {}

  /** A delete was skipped because {@link ApplierOptions#deleteAllowed()} is false. */
  default void deleteSkipped(String path) {}

  /** A missing parent directory was created for a put, symlink, hard link, mkdir or move. */
  default void parentCreated(String path) {}

  /**
   * A put whose content was verified could not be installed (fsync or rename failed). Only
   * reported in parallel-sync mode ({@link Applier#syncInParallel}), where installing happens
   * after {@link FileSink#commit} returned; otherwise commit throws.
   */
  default void putFailed(Op.PutFile op, ApplyException error) {}

  /** A batch ended; {@code directoriesSynced} directories were fsync'd. */
  default void batchEnded(long seq, int directoriesSynced) {}

  /** A swap root's new version replaced the old one in one exchange ({@link DirectorySwap}). */
  default void directorySwapped(String root) {}

  /**
   * Directory swaps are off for this run: the kernel or file system refused the exchange, or the
   * probe failed ({@code why}); batches are applied per file, as without swaps.
   */
  default void swapUnavailable(String why) {}

  /** This batch's update of {@code root} is applied file by file ({@code why}); later batches try the swap again. */
  default void swapSkipped(String root, String why) {}
}
