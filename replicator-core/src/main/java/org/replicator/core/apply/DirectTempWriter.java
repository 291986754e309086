package org.replicator.core.apply;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.replicator.core.delta.ZeroPages;

/**
 * The content of a large patched file on its way into its temp file, written with {@code O_DIRECT}
 * through one aligned 1 MiB buffer: the bytes go from that buffer to the disk without passing
 * through new page-cache pages. On this project's VM a gigabyte of new page cache cost 0.3–2.5
 * CPU-s and up to 5 s (pages the balloon had handed back to the host are faulted in again on first
 * touch), where the same gigabyte with {@code O_DIRECT} took 0.05–0.10 CPU-s and 0.7–0.8 s, fsync
 * included (docs/benchmarks.md, issue 16 session 4). A patch rewrites the whole file however small
 * the change, so this is where the slave's time went.
 *
 * <p>Every chunk is written at an offset and length that are multiples of {@link #ALIGN}; the tail
 * is padded with zeros, and the owner truncates the file to its real size before the fsync. Aligned
 * blocks of zeros, whether a ZEROS run or copied from the old version, are skipped and stay holes,
 * as on the buffered path. The caller hashes every byte
 * it hands over, as on the buffered path: what is written is exactly what was hashed.
 *
 * <p>Not thread safe; owned by one {@link TempFileSink}. Memory: one direct buffer of {@link
 * #CHUNK} bytes while the file is written.
 */
final class DirectTempWriter implements AutoCloseable {
  /** Patches smaller than this keep the buffered path: a page-cache copy of them is cheap. */
  static final long MIN_BYTES = 64L << 20;
  /** O_DIRECT's offset and length unit; a skipped zero page (ZeroPages.PAGE, the same 4 KiB) keeps offsets on it. */
  static final int ALIGN = ZeroPages.PAGE;
  static final int CHUNK = 1 << 20;
  private static final byte[] ZEROS = new byte[64 * 1024];

  private final FileChannel channel;
  private final ByteBuffer buffer;
  /** File offset of the buffer's first byte: always a multiple of {@link #ALIGN}. */
  private long offset;

  private DirectTempWriter(FileChannel channel) {
    this.channel = channel;
    this.buffer = ByteBuffer.allocateDirect(CHUNK + ALIGN).alignedSlice(ALIGN);
  }

  /** A writer for the existing, empty {@code temp}, or null when its file system refuses {@code O_DIRECT}. */
  static DirectTempWriter open(Path temp) {
    if (temp.getFileSystem() != FileSystems.getDefault()) {
      return null;
    }
    try {
      return new DirectTempWriter(FileChannel.open(temp, StandardOpenOption.WRITE, com.sun.nio.file.ExtendedOpenOption.DIRECT));
    } catch (IOException | UnsupportedOperationException e) {
      return null; // e.g. a file system without O_DIRECT: the buffered path does the same job
    }
  }

  /**
   * Appends the remaining bytes of {@code src} (consumes them). An aligned block of zeros is
   * skipped, not written, as on the buffered path: a sparse file's unchanged holes are copied from
   * the old version as zero pages, and writing them allocated a 5 GiB sparse file whole on the
   * slave (LargeFileIT).
   */
  void write(ByteBuffer src) throws IOException {
    while (src.hasRemaining()) {
      if (buffer.position() % ZeroPages.PAGE == 0 && ZeroPages.isZeroPage(src, src.position())) {
        if (buffer.position() > 0) {
          flush(buffer.position());
        }
        do {
          src.position(src.position() + ZeroPages.PAGE);
          offset += ZeroPages.PAGE;
        } while (ZeroPages.isZeroPage(src, src.position()));
        continue;
      }
      // Up to the next aligned block boundary, so that every aligned block is looked at.
      int n = Math.min(src.remaining(), ALIGN - buffer.position() % ALIGN);
      buffer.put(buffer.position(), src, src.position(), n);
      buffer.position(buffer.position() + n);
      src.position(src.position() + n);
      if (!buffer.hasRemaining()) {
        flush(buffer.position());
      }
    }
  }

  /**
   * Appends {@code n} zero bytes. Whole aligned blocks of a run are skipped, not written: the temp
   * file is new, so they stay holes and read as zeros, as on the buffered path (a sparse file's
   * holes travel as ZEROS runs).
   */
  void zeros(long n) throws IOException {
    while (n > 0) {
      if (n >= ALIGN && buffer.position() % ALIGN == 0) {
        if (buffer.position() > 0) {
          flush(buffer.position());
        }
        long hole = n / ALIGN * ALIGN;
        offset += hole;
        n -= hole;
        continue;
      }
      int k = (int) Math.min(n, Math.min(ZEROS.length, buffer.remaining()));
      buffer.put(ZEROS, 0, k);
      n -= k;
      if (!buffer.hasRemaining()) {
        flush(buffer.position());
      }
    }
  }

  /** Writes what is left, padded with zeros to {@link #ALIGN}, and closes; the owner truncates to the real size. */
  void finish() throws IOException {
    int tail = buffer.position();
    if (tail > 0) {
      int padded = (tail + ALIGN - 1) / ALIGN * ALIGN;
      while (buffer.position() < padded) {
        buffer.put(ZEROS, 0, Math.min(ZEROS.length, padded - buffer.position()));
      }
      flush(padded);
    }
    channel.close();
  }

  private void flush(int length) throws IOException {
    buffer.flip();
    buffer.limit(length);
    while (buffer.hasRemaining()) {
      channel.write(buffer, offset + buffer.position());
    }
    offset += length;
    buffer.clear();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
