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
 * <p>Memory: one buffer of {@link #BUFFER} bytes, and one aligned direct buffer of 1 MiB when reading
 * with O_DIRECT. Not thread safe. Does not own the channel's
 * opening (the applier opens it confined to the docroot); closes it.
 */
public final class BasisSource implements AutoCloseable {
  public static final int BUFFER = 256 * 1024;

  /** Receives copied bytes in order; the buffer is reused after the call. */
  public interface Consumer {
    void accept(ByteBuffer bytes) throws IOException;
  }

  /** O_DIRECT reads are of whole aligned blocks; 4 KiB covers the usual logical block sizes. */
  private static final int ALIGN = 4096;
  private static final int DIRECT_CHUNK = 1 << 20;

  private final FileChannel channel;
  private final long size;
  private final ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
  /** The same file opened with O_DIRECT, or null: see {@link #BasisSource(FileChannel, FileChannel)}. */
  private FileChannel direct;
  private ByteBuffer aligned;

  public BasisSource(FileChannel channel) throws IOException {
    this(channel, null);
  }

  /**
   * With {@code direct} (the same file opened with O_DIRECT, owned from here on), copies are read
   * from the disk into one aligned buffer of ours, not through new page-cache pages: on this
   * project's VM a gigabyte read through fresh page cache cost about 2 CPU-s of copying, the same
   * read with O_DIRECT almost nothing (docs/benchmarks.md, issue 16 session 4). The size and every
   * range are still checked against {@code channel}'s size at open; what is read is hashed by the
   * consumer as before.
   */
  public BasisSource(FileChannel channel, FileChannel direct) throws IOException {
    this.channel = channel;
    this.direct = direct;
    try {
      this.size = channel.size();
    } catch (IOException e) {
      readThroughPageCache(); // the caller closes channel; direct is ours from here on
      throw e;
    }
  }

  /** True when copies are read with O_DIRECT; such copies hand the consumer a direct buffer. */
  public boolean readsDirect() {
    return direct != null;
  }

  /** Goes back to reads through the page cache (a consumer that needs heap buffers). */
  public void readThroughPageCache() throws IOException {
    if (direct != null) {
      direct.close();
      direct = null;
    }
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
    if (direct != null) {
      copyDirect(offset, length, consumer);
      return;
    }
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

  private void copyDirect(long offset, long length, Consumer consumer) throws IOException {
    if (aligned == null) {
      aligned = ByteBuffer.allocateDirect(DIRECT_CHUNK + ALIGN).alignedSlice(ALIGN);
    }
    long at = offset;
    long end = offset + length;
    while (at < end) {
      long start = at - at % ALIGN;
      int want = (int) Math.min(DIRECT_CHUNK, (end - start + ALIGN - 1) / ALIGN * ALIGN);
      aligned.clear().limit(want);
      int got = 0;
      while (aligned.hasRemaining()) {
        int n = direct.read(aligned, start + aligned.position());
        if (n <= 0) {
          break; // the end of the file: its last block is read short
        }
        got += n;
        if (got % ALIGN != 0) {
          break; // the file's last, partial block: nothing follows it
        }
      }
      int from = (int) (at - start);
      int to = (int) Math.min(end - start, want);
      if (got < to) {
        throw new IOException("basis shrank to " + (start + got) + " bytes while being copied (was " + size + ")");
      }
      ByteBuffer part = aligned.duplicate();
      part.limit(to).position(from);
      at += to - from;
      consumer.accept(part);
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
    readThroughPageCache();
    channel.close();
  }
}
