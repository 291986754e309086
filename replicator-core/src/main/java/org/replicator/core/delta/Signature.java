package org.replicator.core.delta;

import java.util.Objects;

/**
 * The block signature of one version of a file: for every block of {@link #blockSize()} bytes
 * (the last one may be shorter) its weak {@link RollingChecksum} and its XXH3-64.
 *
 * <p>Why XXH3-64 and not XXH128 as the strong hash: a block match is never trusted on its own.
 * The patched result is checked against the whole-file hash before it replaces anything, and a
 * mismatch falls back to a whole-file transfer, so a per-block collision (2^-64 per comparison)
 * costs a retry, never corruption. XXH128 would double the signature (8 more bytes per block on
 * disk and in memory) and is slower on short blocks. Immutable; the arrays are never exposed.
 */
public final class Signature {
  private final long fileSize;
  private final long contentHash;
  private final int blockSize;
  private final int[] weak;
  private final long[] strong;

  /** Takes ownership of the arrays. */
  public Signature(long fileSize, long contentHash, int blockSize, int[] weak, long[] strong) {
    if (!BlockSize.isValid(blockSize)) {
      throw new IllegalArgumentException("block size " + blockSize + " is not a power of two in "
          + BlockSize.MIN + ".." + BlockSize.MAX);
    }
    Objects.requireNonNull(weak, "weak");
    Objects.requireNonNull(strong, "strong");
    long blocks = BlockSize.blockCount(fileSize, blockSize);
    if (fileSize < 0 || weak.length != blocks || strong.length != blocks) {
      throw new IllegalArgumentException("a signature of a " + fileSize + "-byte file in " + blockSize
          + "-byte blocks has " + blocks + " blocks, not " + weak.length + "/" + strong.length);
    }
    this.fileSize = fileSize;
    this.contentHash = contentHash;
    this.blockSize = blockSize;
    this.weak = weak;
    this.strong = strong;
  }

  public long fileSize() {
    return fileSize;
  }

  /** The {@link org.replicator.core.hash.ContentHasher} hash of the whole version. */
  public long contentHash() {
    return contentHash;
  }

  public int blockSize() {
    return blockSize;
  }

  public int blockCount() {
    return weak.length;
  }

  /** Length of block {@code i}: {@link #blockSize()} except for a short last block. */
  public int blockLength(int i) {
    long start = (long) i * blockSize;
    return (int) Math.min(blockSize, fileSize - start);
  }

  public int weak(int i) {
    return weak[i];
  }

  public long strong(int i) {
    return strong[i];
  }

  /** Heap bytes this signature holds, for the store's memory bound. */
  public long heapBytes() {
    return 64 + 12L * weak.length;
  }

  @Override
  public String toString() {
    return "Signature[size=" + fileSize + ", blocks=" + weak.length + "x" + blockSize
        + ", hash=" + String.format(java.util.Locale.ROOT, "%016x", contentHash) + "]";
  }
}
