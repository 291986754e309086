package org.replicator.core.apply;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * Write-behind for a large temp file: every {@link #EVERY_BYTES} written, an fdatasync of the file
 * so far is started on the applier's fsync pool, so the disk writes the file while the rest of it
 * is still arriving. Without it nothing reached the disk before the final fsync (this machine's
 * dirty limits hold gigabytes): a 1 GiB patch spent its last ~0.6 s waiting for 1 GiB of
 * write-back after the copy was done (docs/benchmarks.md, "Issue 16, session 3: delta").
 *
 * <p>It only starts write-back early; it replaces nothing. The sink's own fsync after the last byte
 * still runs before the rename, so durability before the ack is unchanged. One thing it must not
 * lose: Linux reports a write-back error to one fsync per open file, so an error caught here may
 * never reach the final fsync; {@link #finish()} therefore fails the file with it.
 *
 * <p>At most one fdatasync per file in flight (a disk slower than the sender just means fewer).
 * Called by the applier thread only; the pool thread writes {@link #failure} alone.
 */
final class WriteBehind {
  /**
   * Bytes between two write-behind calls: each fdatasync of a growing file also commits its size
   * (a journal commit), so about 32 per GiB; small files never reach it.
   */
  static final long EVERY_BYTES = 32L << 20;

  private final ExecutorService pool; // null: off (no pool, as in tests on Jimfs)
  private final FileChannel channel;
  private long unsynced;
  private Future<?> inFlight;
  /** The first failure of a write-behind fdatasync; written by the pool thread, read after {@code inFlight} completes. */
  private volatile IOException failure;

  WriteBehind(ExecutorService pool, FileChannel channel) {
    this.pool = pool;
    this.channel = channel;
  }

  /** {@code n} more bytes were written to the file (holes do not count). */
  void wrote(long n) {
    if (pool == null) {
      return;
    }
    unsynced += n;
    if (unsynced < EVERY_BYTES || (inFlight != null && !inFlight.isDone())) {
      return;
    }
    unsynced = 0;
    try {
      inFlight = pool.submit(this::force);
    } catch (RejectedExecutionException e) {
      // The pool is shutting down with the agent: the sink's final fsync does all of it.
    }
  }

  private Void force() {
    try {
      channel.force(false);
    } catch (ClosedChannelException e) {
      // The sink was aborted and closed its channel: nothing of this file will be installed.
    } catch (IOException e) {
      if (failure == null) {
        failure = e;
      }
    }
    return null;
  }

  /**
   * Waits for the write-behind call in flight, then fails when any of them failed: the data it
   * covered may not be on disk and the final fsync might not say so.
   */
  void finish() throws IOException {
    if (inFlight != null) {
      try {
        inFlight.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for a write-behind fsync");
      } catch (ExecutionException e) {
        throw new IOException("write-behind fsync failed: " + e.getCause(), e.getCause());
      }
    }
    IOException failed = failure;
    if (failed != null) {
      throw new IOException("write-behind fsync failed: " + failed.getMessage(), failed);
    }
  }
}
