package org.replicator.core.delta;

import org.replicator.core.hash.Xxh3;

/**
 * Builds a {@link Signature} from a file's bytes fed in order, in any slice sizes. Full blocks
 * that arrive whole are hashed in place; only a block split across two calls is copied.
 *
 * <p>Memory: the signature arrays (12 bytes per block) and one block. Not thread safe.
 */
public final class SignatureBuilder {

  private final long fileSize;
  private final int blockSize;
  private final int[] weak;
  private final long[] strong;
  private final byte[] partial;
  private int partialLength;
  private int blocks;
  private long length;

  /** For a file that must turn out to be exactly {@code fileSize} bytes long. */
  public SignatureBuilder(long fileSize) {
    this.fileSize = fileSize;
    this.blockSize = BlockSize.forSize(fileSize);
    long count = BlockSize.blockCount(fileSize, blockSize);
    if (count > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a " + fileSize + "-byte file has too many blocks for a signature");
    }
    this.weak = new int[(int) count];
    this.strong = new long[(int) count];
    this.partial = new byte[blockSize];
  }

  public int blockSize() {
    return blockSize;
  }

  public SignatureBuilder update(byte[] b, int off, int len) {
    if (len > fileSize - length) {
      throw new IllegalStateException("more than the announced " + fileSize + " bytes");
    }
    length += len;
    if (partialLength > 0) {
      int n = Math.min(len, blockSize - partialLength);
      System.arraycopy(b, off, partial, partialLength, n);
      partialLength += n;
      off += n;
      len -= n;
      if (partialLength == blockSize) {
        add(partial, 0, blockSize);
        partialLength = 0;
      }
    }
    while (len >= blockSize) {
      add(b, off, blockSize);
      off += blockSize;
      len -= blockSize;
    }
    if (len > 0) {
      System.arraycopy(b, off, partial, 0, len);
      partialLength = len;
    }
    return this;
  }

  /** Bytes fed so far. */
  public long length() {
    return length;
  }

  /** The signature; fails unless exactly the announced size was fed. */
  public Signature build(long contentHash) {
    if (length != fileSize) {
      throw new IllegalStateException("signature of " + length + " bytes, " + fileSize + " announced");
    }
    if (partialLength > 0) {
      add(partial, 0, partialLength);
      partialLength = 0;
    }
    return new Signature(fileSize, contentHash, blockSize, weak, strong);
  }

  private void add(byte[] b, int off, int len) {
    weak[blocks] = RollingChecksum.of(b, off, len);
    strong[blocks] = Xxh3.hash(b, off, len);
    blocks++;
  }
}
