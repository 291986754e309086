package org.replicator.core.delta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import org.replicator.core.hash.ContentHasher;

/**
 * Applies a delta to a basis, writing the result to a channel and checking it as it goes: no copy
 * outside the basis, never more than the declared size, and at the end exactly the declared size
 * with the declared {@link ContentHasher} hash. This is the reference patcher of the tests and
 * benchmarks; the slave's applier streams the same checks into its temp file.
 *
 * <p>Not thread safe. Does not close the output.
 */
public final class Patcher {
  private final BasisSource basis;
  private final long targetSize;
  private final WritableByteChannel out;
  private final ContentHasher hasher = new ContentHasher();
  private long written;

  public Patcher(BasisSource basis, long targetSize, WritableByteChannel out) {
    this.basis = basis;
    this.targetSize = targetSize;
    this.out = out;
  }

  public void copy(long offset, long length) throws IOException, DeltaException {
    room(length);
    basis.copy(offset, length, this::write);
  }

  public void literal(byte[] b, int off, int len) throws IOException, DeltaException {
    if (len < 1) {
      throw new DeltaException("empty literal");
    }
    room(len);
    write(ByteBuffer.wrap(b, off, len));
  }

  /** Checks the result: exactly the declared size and hash. */
  public void finish(long expectedHash) throws DeltaException {
    if (written != targetSize) {
      throw new DeltaException("result is " + written + " bytes, " + targetSize + " declared");
    }
    long actual = hasher.finish();
    if (actual != expectedHash) {
      throw new DeltaException(String.format(java.util.Locale.ROOT,
          "result hash %016x differs from the declared %016x", actual, expectedHash));
    }
  }

  private void room(long n) throws DeltaException {
    if (n > targetSize - written) {
      throw new DeltaException("delta produces more than the declared " + targetSize + " bytes (at least "
          + (written + n) + ")");
    }
  }

  private void write(ByteBuffer bytes) throws IOException {
    hasher.update(bytes.duplicate());
    written += bytes.remaining();
    while (bytes.hasRemaining()) {
      out.write(bytes);
    }
  }
}
