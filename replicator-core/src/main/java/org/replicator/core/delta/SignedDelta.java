package org.replicator.core.delta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import org.replicator.core.hash.Xxh3;

/**
 * The delta of a target whose own {@link Signature} is known (the planner signs every version it
 * plans in the read that hashes it) against a basis of the same block size, reading only what the
 * two signatures cannot settle. Each full target block whose weak and strong hash are those of a
 * basis block is a copy, decided without reading it; the runs of blocks that match nothing (the
 * edited region; after an insertion, everything behind it, whose blocks are shifted) are read and
 * searched byte by byte as {@link DeltaBuilder} does. A 4 KiB edit of a 1 GiB file reads one or two
 * blocks instead of the whole file (docs/benchmarks.md, "Issue 16, session 3: delta").
 *
 * <p>What the master no longer checks, and why that is safe: it used to hash the whole file as it
 * streamed the delta, to abort a version that changed since it was planned. Now every byte it
 * reads is checked against the signed version's block hashes instead (a mismatch is {@link
 * ChangedException}), and the blocks it skips are copies of the slave's basis, so the result is
 * the signed version whatever happened to the skipped part of the file since: a version the master
 * held, read at rest, which the slave verifies against its whole-file hash before it installs it.
 * A change made since then has its own event and goes out in a later batch.
 *
 * <p>Memory: the builder's table and buffer, one block. Not thread safe.
 */
public final class SignedDelta {

  /** Reads at a position, as {@link java.nio.channels.FileChannel#read(ByteBuffer, long)}. */
  public interface PositionalReader {
    int read(ByteBuffer dst, long position) throws IOException;
  }

  /** The target is no longer the signed version (a byte read differs, or its size changed). */
  public static final class ChangedException extends IOException {
    private static final long serialVersionUID = 1L;

    ChangedException(String message) {
      super(message);
    }
  }

  private final DeltaBuilder builder;
  private final Signature basis;
  private final Signature target;
  private final int blockSize;

  /** True when {@code target} can be compared with {@code basis} block by block. */
  public static boolean applies(Signature basis, Signature target) {
    return basis.blockSize() == target.blockSize() && target.fileSize() > 0;
  }

  public SignedDelta(DeltaBuilder builder, Signature target) {
    this.builder = builder;
    this.basis = builder.basis();
    this.target = target;
    this.blockSize = basis.blockSize();
    if (!applies(basis, target)) {
      throw new IllegalArgumentException("target blocks of " + target.blockSize() + " bytes, basis blocks of " + blockSize);
    }
  }

  /**
   * Sends the delta to {@code sink}, reading the target through {@code file} (which must hold
   * {@link Signature#fileSize()} bytes) only where the signatures differ.
   *
   * @throws ChangedException when a byte read is not the signed version's
   * @throws IOException from the reader or the sink
   */
  public DeltaBuilder.Result build(PositionalReader file, DeltaSink sink) throws IOException {
    MergingSink out = new MergingSink(sink);
    int count = target.blockCount();
    int predicted = -1;
    int i = 0;
    while (i < count) {
      int match = matchOf(i, predicted);
      if (match >= 0) {
        out.copy((long) match * blockSize, blockSize);
        predicted = match + 1;
        i++;
        continue;
      }
      int start = i;
      do {
        i++;
      } while (i < count && matchOf(i, -1) < 0);
      long from = (long) start * blockSize;
      long to = Math.min((long) i * blockSize, target.fileSize());
      Piece piece = new Piece(file, from, to, start);
      builder.buildPiece(piece, to - from, out);
      piece.checkComplete();
      predicted = -1;
    }
    out.flush();
    return new DeltaBuilder.Result(target.fileSize(), target.contentHash(), out.literalBytes, out.copiedBytes, null);
  }

  /** The basis block target block {@code i} is, judged by the signatures alone; -1 when none or it is short. */
  private int matchOf(int i, int predicted) {
    if (target.blockLength(i) != blockSize) {
      return -1;
    }
    return builder.findBlock(target.weak(i), target.strong(i), predicted);
  }

  /**
   * The bytes [from, to) of the target as a channel, each target block checked against its strong
   * hash as it passes (a block split across two reads is gathered first).
   */
  private final class Piece implements ReadableByteChannel {
    private final PositionalReader file;
    private final long to;
    private final byte[] partial = new byte[blockSize];
    private long at;
    private int block;
    private int partialLength;

    Piece(PositionalReader file, long from, long to, int firstBlock) {
      this.file = file;
      this.at = from;
      this.to = to;
      this.block = firstBlock;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (at >= to) {
        return -1;
      }
      int start = dst.position();
      int limit = dst.limit();
      dst.limit((int) Math.min(limit, start + (to - at)));
      int n;
      try {
        n = file.read(dst, at);
      } finally {
        dst.limit(limit);
      }
      if (n < 0) {
        throw new ChangedException("shrank to " + at + " bytes since it was planned (" + target.fileSize() + ")");
      }
      at += n;
      check(dst.array(), dst.arrayOffset() + start, n);
      return n;
    }

    private void check(byte[] b, int off, int len) throws ChangedException {
      while (len > 0) {
        int want = target.blockLength(block);
        if (partialLength == 0 && len >= want) {
          verify(b, off, want);
          off += want;
          len -= want;
          continue;
        }
        int n = Math.min(len, want - partialLength);
        System.arraycopy(b, off, partial, partialLength, n);
        partialLength += n;
        off += n;
        len -= n;
        if (partialLength == want) {
          verify(partial, 0, want);
          partialLength = 0;
        }
      }
    }

    private void verify(byte[] b, int off, int len) throws ChangedException {
      if (Xxh3.hash(b, off, len) != target.strong(block)) {
        throw new ChangedException("block " + block + " differs from the planned version");
      }
      block++;
    }

    /** The piece was read whole (the search reads to its end) and every block in it checked. */
    void checkComplete() throws ChangedException {
      if (at != to || partialLength != 0) {
        throw new ChangedException("read " + at + " of " + to + " bytes of a piece");
      }
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {
      // Not ours: the caller owns the file.
    }
  }

  /** Merges adjacent copies across pieces and counts what passes. */
  private static final class MergingSink implements DeltaSink {
    private final DeltaSink sink;
    private long pendingOffset = -1;
    private long pendingLength;
    long literalBytes;
    long copiedBytes;

    MergingSink(DeltaSink sink) {
      this.sink = sink;
    }

    @Override
    public void copy(long basisOffset, long length) throws IOException {
      copiedBytes += length;
      if (pendingOffset >= 0 && pendingOffset + pendingLength == basisOffset) {
        pendingLength += length;
        return;
      }
      flush();
      pendingOffset = basisOffset;
      pendingLength = length;
    }

    @Override
    public void literal(byte[] b, int off, int len) throws IOException {
      flush();
      literalBytes += len;
      sink.literal(b, off, len);
    }

    void flush() throws IOException {
      if (pendingOffset >= 0) {
        sink.copy(pendingOffset, pendingLength);
        pendingOffset = -1;
      }
    }
  }
}
