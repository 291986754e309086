package org.replicator.core.hash;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Streaming whole-file hash: XXH3-64 of every 64 KiB block, then XXH3-64 over the list of block
 * hashes and the length. zero-allocation-hashing has no streaming API, so we hash per block and
 * combine; both ends of a transfer use this class, so the result only has to be stable, not equal
 * to a plain XXH3 of the file. The value is persisted in indexes and compared across versions:
 * {@code ContentHasherTest} pins it.
 *
 * <p>Memory is one block buffer plus one list of 8-byte block hashes folded every 8,192 blocks
 * (512 MiB), so a file of any size is hashed in bounded memory. Both grow on demand, from a few
 * bytes, up to 64 KiB each: most files of a docroot are small, and an overflow rescan or a storm of
 * small puts creates one hasher per file (two fixed 64 KiB buffers each made the young generation
 * of a 256 MiB agent collect every few milliseconds). Whole blocks of a caller's array are hashed
 * in place, without a copy. {@link #reset()} makes an instance reusable. Not thread safe.
 */
public final class ContentHasher {
  public static final int BLOCK = 64 * 1024;
  private static final int FOLD_EVERY = 8192;
  private static final int FIRST_BUFFER = 256;

  private byte[] block = new byte[0];
  private int filled;
  /** Block hashes, little-endian, then the length at {@link #finish()}. */
  private byte[] digests = new byte[0];
  private int digestBytes;
  private long length;

  public ContentHasher update(byte[] src, int off, int len) {
    while (len > 0) {
      if (filled == 0 && len >= BLOCK) {
        addDigest(Xxh3.hash(src, off, BLOCK));
        off += BLOCK;
        len -= BLOCK;
        length += BLOCK;
        continue;
      }
      int n = Math.min(len, BLOCK - filled);
      ensureBlock(filled + n);
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
    if (src.hasArray()) {
      int n = src.remaining();
      update(src.array(), src.arrayOffset() + src.position(), n);
      src.position(src.position() + n);
      return this;
    }
    while (src.hasRemaining()) {
      int n = Math.min(src.remaining(), BLOCK - filled);
      ensureBlock(filled + n);
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
      ensureBlock(filled + n);
      Arrays.fill(block, filled, filled + n, (byte) 0);
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

  /** Finishes and returns the hash; call {@link #reset()} before using the hasher again. */
  public long finish() {
    if (filled > 0 || length == 0) {
      flushBlock();
    }
    putDigest(length);
    return Xxh3.hash(digests, 0, digestBytes);
  }

  /** Starts a new hash, keeping the buffers. */
  public ContentHasher reset() {
    filled = 0;
    digestBytes = 0;
    length = 0;
    return this;
  }

  private void ensureBlock(int needed) {
    if (block.length < needed) {
      block = Arrays.copyOf(block, Math.min(BLOCK, Math.max(needed, Math.max(FIRST_BUFFER, block.length * 2))));
    }
  }

  private void flushBlock() {
    addDigest(Xxh3.hash(block, 0, filled));
    filled = 0;
  }

  private void addDigest(long digest) {
    putDigest(digest);
    if (digestBytes == 8 * FOLD_EVERY) {
      long folded = Xxh3.hash(digests, 0, digestBytes);
      digestBytes = 0;
      putDigest(folded);
    }
  }

  private void putDigest(long value) {
    if (digests.length < digestBytes + 8) {
      digests = Arrays.copyOf(digests, Math.min(8 * (FOLD_EVERY + 1), Math.max(64, digests.length * 2)));
    }
    for (int i = 0; i < 8; i++) {
      digests[digestBytes++] = (byte) (value >>> (8 * i));
    }
  }

  public static long of(byte[] content) {
    return new ContentHasher().update(content, 0, content.length).finish();
  }
}
