package org.replicator.core.hash;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import net.openhft.hashing.LongHashFunction;

/**
 * Streaming whole-file hash: XXH3-64 of every 64 KiB block, then XXH3-64 over the list of block
 * hashes and the length. zero-allocation-hashing has no streaming API, so we hash per block and
 * combine; both ends of a transfer use this class, so the result only has to be stable, not equal
 * to a plain XXH3 of the file.
 *
 * <p>Memory is one block buffer plus one growing list of 8-byte block hashes folded every 8,192
 * blocks (512 MiB), so a file of any size is hashed in bounded memory. Not thread safe.
 */
public final class ContentHasher {
  public static final int BLOCK = 64 * 1024;
  private static final int FOLD_EVERY = 8192;
  private static final LongHashFunction XX3 = LongHashFunction.xx3();

  private final byte[] block = new byte[BLOCK];
  private int filled;
  private final ByteBuffer digests = ByteBuffer.allocate(8 * (FOLD_EVERY + 1)).order(ByteOrder.LITTLE_ENDIAN);
  private long length;

  public ContentHasher update(byte[] src, int off, int len) {
    while (len > 0) {
      int n = Math.min(len, BLOCK - filled);
      System.arraycopy(src, off, block, filled, n);
      filled += n;
      off += n;
      len -= n;
      length += n;
      if (filled == BLOCK) {
        flushBlock();
      }
    }
    return this;
  }

  public ContentHasher update(ByteBuffer src) {
    while (src.hasRemaining()) {
      int n = Math.min(src.remaining(), BLOCK - filled);
      src.get(block, filled, n);
      filled += n;
      length += n;
      if (filled == BLOCK) {
        flushBlock();
      }
    }
    return this;
  }

  /** Hashes {@code count} zero bytes (a hole of a sparse file) without a buffer of that size. */
  public ContentHasher updateZeros(long count) {
    while (count > 0) {
      int n = (int) Math.min(count, BLOCK - filled);
      java.util.Arrays.fill(block, filled, filled + n, (byte) 0);
      filled += n;
      count -= n;
      length += n;
      if (filled == BLOCK) {
        flushBlock();
      }
    }
    return this;
  }

  public long length() {
    return length;
  }

  /** Finishes and returns the hash; the hasher must not be used afterwards. */
  public long finish() {
    if (filled > 0 || length == 0) {
      flushBlock();
    }
    digests.putLong(length);
    return XX3.hashBytes(digests.array(), 0, digests.position());
  }

  private void flushBlock() {
    digests.putLong(XX3.hashBytes(block, 0, filled));
    filled = 0;
    if (digests.position() == 8 * FOLD_EVERY) {
      long folded = XX3.hashBytes(digests.array(), 0, digests.position());
      digests.clear();
      digests.putLong(folded);
    }
  }

  public static long of(byte[] content) {
    return new ContentHasher().update(content, 0, content.length).finish();
  }
}
