package org.replicator.core.delta;

/**
 * The block size of a file's signature, a power of two between {@link #MIN} and {@link #MAX}
 * chosen so that a file has at most about {@link #TARGET_BLOCKS} blocks.
 *
 * <p>Why not rsync's square root: rsync sends the receiver's signature over the wire on every
 * transfer, so it trades signature bytes against literal bytes and lands near sqrt(size). We keep
 * the signature of the version the slaves hold on the master ({@link SignatureStore}); it never
 * crosses the wire, so the only costs of small blocks are master disk (12 bytes per block) and
 * CPU per block, while every edit costs up to one block of literal data. Small blocks therefore
 * win until the signature itself gets large: 2^17 blocks cap it at 1.5 MiB up to 16 GiB files
 * (a 1 GiB file gets 8 KiB blocks, so a 4 KiB edit costs at most 16 KiB of literals where rsync's
 * 32 KiB blocks cost 32–64 KiB plus 229 KB of checksums). Past 16 GiB blocks stay at 128 KiB and
 * the signature grows by 12 bytes per 128 KiB (96 KiB per GiB).
 */
public final class BlockSize {
  public static final int MIN = 1024;
  public static final int MAX = 128 * 1024;
  public static final long TARGET_BLOCKS = 1L << 17;

  private BlockSize() {}

  public static int forSize(long fileSize) {
    if (fileSize < 0) {
      throw new IllegalArgumentException("negative file size " + fileSize);
    }
    long want = (fileSize + TARGET_BLOCKS - 1) / TARGET_BLOCKS;
    if (want <= MIN) {
      return MIN;
    }
    if (want >= MAX) {
      return MAX;
    }
    return (int) Long.highestOneBit(want - 1) << 1;
  }

  /** True for a size this policy can produce: what a signature read from disk must carry. */
  public static boolean isValid(int blockSize) {
    return blockSize >= MIN && blockSize <= MAX && Integer.bitCount(blockSize) == 1;
  }

  /** Blocks of a file: the last one may be short. */
  public static long blockCount(long fileSize, int blockSize) {
    return (fileSize + blockSize - 1) / blockSize;
  }
}
