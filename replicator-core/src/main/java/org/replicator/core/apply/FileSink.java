package org.replicator.core.apply;

import java.nio.ByteBuffer;

/**
 * Receives the content of one {@link org.replicator.core.op.Op.PutFile}, in order, into a temp file
 * that nobody serves. Nothing is visible under the final name before {@link #commit}; after an
 * exception or {@link #abort()} the temp file is gone and the old file, if any, is untouched.
 *
 * <p>Not thread safe: used by the applier thread only. Exactly one of {@code commit} or {@code
 * abort} ends it; {@code abort} after a failed call is allowed and does nothing more.
 */
public interface FileSink {
  /** Appends the remaining bytes of {@code data} (consumes them). */
  void write(ByteBuffer data) throws ApplyException;

  /** Appends {@code n} zero bytes as a hole: the position moves, nothing is written. */
  void skipZeros(long n) throws ApplyException;

  /**
   * Appends {@code length} bytes of the patch's basis from {@code offset}; refused before anything
   * is written when the put has no basis or the range is outside the basis.
   */
  void copy(long offset, long length) throws ApplyException;

  /**
   * Checks size and whole-file hash ({@link org.replicator.core.hash.ContentHasher}), fsyncs, sets
   * mode, mtime and owner, and renames the temp file over the target atomically.
   */
  void commit(long expectedHash) throws ApplyException;

  /** Deletes the temp file; the target keeps its old content. Never throws. */
  void abort();
}
