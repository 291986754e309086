package org.replicator.core.delta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * The basis of a patch, read with positional reads and every range checked before it is read:
 * a copy must lie inside the basis as it was when opened, whatever the peer asked for. The size is
 * taken once at open, so a basis that grows later cannot be used to reach bytes the master never
 * knew of.
 *
 * <p>Memory: one buffer of {@link #BUFFER} bytes. Not thread safe. Does not own the channel's
 * opening (the applier opens it confined to the docroot); closes it.
 */
public final class BasisSource implements AutoCloseable {
  public static final int BUFFER = 256 * 1024;

  /** Receives copied bytes in order; the buffer is reused after the call. */
  public interface Consumer {
    void accept(ByteBuffer bytes) throws IOException;
  }

  private final FileChannel channel;
  private final long size;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);

  public BasisSource(FileChannel channel) throws IOException {
    this.channel = channel;
    this.size = channel.size();
  }

  public long size() {
    return size;
  }

  /**
   * Feeds basis bytes [offset, offset + length) to {@code consumer}.
   *
   * @throws DeltaException before reading anything when the range is not inside the basis
   * @throws IOException when the basis shrank under us (a short read)
   */
  public void copy(long offset, long length, Consumer consumer) throws IOException, DeltaException {
    check(offset, length, size);
    long at = offset;
    long end = offset + length;
    while (at < end) {
      buffer.clear();
      buffer.limit((int) Math.min(BUFFER, end - at));
      while (buffer.hasRemaining()) {
        int n = channel.read(buffer, at + buffer.position());
        if (n < 0) {
          throw new IOException("basis shrank to " + (at + buffer.position()) + " bytes while being copied (was " + size + ")");
        }
      }
      buffer.flip();
      at += buffer.remaining();
      consumer.accept(buffer);
    }
  }

  /** The range rule, shared with whoever checks a copy before it reaches a basis. */
  public static void check(long offset, long length, long basisSize) throws DeltaException {
    if (offset < 0 || length < 1 || offset > basisSize || length > basisSize - offset) {
      throw new DeltaException("copy of " + length + " bytes at offset " + offset
          + " is outside the " + basisSize + "-byte basis");
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
