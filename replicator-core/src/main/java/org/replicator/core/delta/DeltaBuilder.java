package org.replicator.core.delta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.hash.Xxh3;

/**
 * Computes the delta that turns a basis (known only by its {@link Signature}) into a target read
 * from a channel, in one streaming pass, and hashes the target on the way ({@link ContentHasher},
 * optionally also its next {@link Signature}).
 *
 * <p>Search: after a match the next window is first compared with the basis block that follows
 * the matched one (XXH3 only: that is the common case of an unchanged run and it skips the weak
 * sum); otherwise the weak checksum is looked up in an open-addressing table and confirmed by
 * XXH3. Without a match the window slides by one byte with {@link RollingChecksum}'s O(1) roll, so
 * an insertion shifts the rest of the file without losing the matches after it. Adjacent copies
 * merge into one; literals are cut at {@link #MAX_LITERAL}. A basis ending in a short block is
 * matched only at the end of the target, as rsync does.
 *
 * <p>Memory: the table (two ints per block, rounded up) and a window buffer of max(4 blocks, 1 MiB).
 * A builder holds its table and can run many deltas against the same basis, one at a time; not
 * thread safe.
 */
public final class DeltaBuilder {
  /** Largest literal handed to the sink at once: one DATA frame's raw limit. */
  public static final int MAX_LITERAL = 256 * 1024;


  private final Signature basis;
  private final int blockSize;
  private final int fullBlocks;
  private final int[] table; // block index + 1, 0 = empty
  private final int mask;
  private final byte[] buf;

  public DeltaBuilder(Signature basis) {
    this.basis = basis;
    this.blockSize = basis.blockSize();
    int count = basis.blockCount();
    this.fullBlocks = count > 0 && basis.blockLength(count - 1) < blockSize ? count - 1 : count;
    int capacity = Integer.highestOneBit(Math.max(16, fullBlocks * 2 - 1)) << 1;
    this.table = new int[capacity];
    this.mask = capacity - 1;
    for (int i = 0; i < fullBlocks; i++) {
      insert(i);
    }
    this.buf = new byte[Math.max(4 * blockSize, 1024 * 1024)];
  }

  /** What a finished delta says about the target. */
  public record Result(long size, long hash, long literalBytes, long copiedBytes, Signature next) {}

  /**
   * Reads the whole target from {@code in}, which must hold exactly {@code targetSize} bytes, and
   * sends the delta to {@code sink}. With {@code signNext} the result carries the target's own
   * signature (to keep for the next change).
   *
   * @throws IOException from the channel or the sink, or when the target is not {@code
   *     targetSize} bytes long (it changed while being read)
   */
  public Result build(ReadableByteChannel in, long targetSize, DeltaSink sink, boolean signNext) throws IOException {
    return new Run(in, targetSize, sink, signNext ? new SignatureBuilder(targetSize) : null, true).run();
  }

  /**
   * As {@link #build} for a piece of a target whose hash is known otherwise ({@link SignedDelta}):
   * no whole-target hash (the result's hash is 0).
   */
  Result buildPiece(ReadableByteChannel in, long length, DeltaSink sink) throws IOException {
    return new Run(in, length, sink, null, false).run();
  }

  /** The basis this builder searches. */
  Signature basis() {
    return basis;
  }

  /**
   * The basis block with this weak and strong hash (full blocks only), trying {@code predicted}
   * first (the block after the last match); -1 when none.
   */
  int findBlock(int weak, long strong, int predicted) {
    if (predicted >= 0 && predicted < fullBlocks && basis.strong(predicted) == strong && basis.weak(predicted) == weak) {
      return predicted;
    }
    for (int slot = slot(weak), entry; (entry = table[slot]) != 0; slot = (slot + 1) & mask) {
      int block = entry - 1;
      if (basis.weak(block) == weak && basis.strong(block) == strong) {
        return block;
      }
    }
    return -1;
  }

  private static final byte[] ZEROS = new byte[BlockSize.MAX];

  private static boolean isZero(byte[] b, int off, int len) {
    return java.util.Arrays.equals(b, off, off + len, ZEROS, 0, len);
  }

  private void insert(int block) {
    int w = basis.weak(block);
    long s = basis.strong(block);
    int slot = slot(w);
    while (table[slot] != 0) {
      int other = table[slot] - 1;
      if (basis.weak(other) == w && basis.strong(other) == s) {
        return; // identical block: any copy of it serves as a source
      }
      slot = (slot + 1) & mask;
    }
    table[slot] = block + 1;
  }

  private int slot(int weak) {
    return (weak * 0x9E3779B9 >>> 7) & mask;
  }

  /** One delta: the window state over the shared buffer. */
  private final class Run {
    private final ReadableByteChannel in;
    private final long targetSize;
    private final DeltaSink sink;
    private final SignatureBuilder next;
    private final ContentHasher hasher;
    private int len;
    private int pos;
    private int litStart;
    private long read;
    private boolean eof;
    private long pendingCopyOffset = -1;
    private long pendingCopyLength;
    private long literalBytes;
    private long copiedBytes;

    Run(ReadableByteChannel in, long targetSize, DeltaSink sink, SignatureBuilder next, boolean hash) {
      this.hasher = hash ? new ContentHasher() : null;
      this.in = in;
      this.targetSize = targetSize;
      this.sink = sink;
      this.next = next;
    }

    Result run() throws IOException {
      int a = 0;
      int s = 0;
      boolean weakValid = false;
      int predicted = -1;
      int count = basis.blockCount();
      int tailKeep = count > fullBlocks ? basis.blockLength(count - 1) : 0;
      while (true) {
        if (fullBlocks == 0) {
          // Nothing to match but a short last block at the very end: stream the rest as literal.
          if (eof) {
            break;
          }
          pos = Math.max(pos, len - tailKeep);
          fill();
          continue;
        }
        if (len - pos <= blockSize && !eof) {
          fill();
          continue;
        }
        int avail = len - pos;
        if (avail < blockSize) {
          break;
        }
        int match = -1;
        long strongHere = 0;
        boolean strongKnown = false;
        if (predicted >= 0 && predicted < fullBlocks) {
          strongHere = Xxh3.hash(buf, pos, blockSize);
          strongKnown = true;
          if (strongHere == basis.strong(predicted)) {
            match = predicted;
          }
        }
        if (match < 0) {
          if (!weakValid) {
            // Only the low 16 bits of a and s reach the checksum, and rolling is arithmetic
            // modulo 2^16 for them, so the packed value is all the state the roll needs.
            int w0 = RollingChecksum.of(buf, pos, blockSize);
            a = w0 & 0xffff;
            s = w0 >>> 16;
            weakValid = true;
          }
          int w = RollingChecksum.combine(a, s);
          int slot = slot(w);
          int entry;
          while ((entry = table[slot]) != 0) {
            int block = entry - 1;
            if (basis.weak(block) == w) {
              if (!strongKnown) {
                strongHere = Xxh3.hash(buf, pos, blockSize);
                strongKnown = true;
              }
              if (basis.strong(block) == strongHere) {
                match = block;
                break;
              }
            }
            slot = (slot + 1) & mask;
          }
        }
        if (match >= 0) {
          flushLiteral(pos);
          copy((long) match * blockSize, blockSize);
          pos += blockSize;
          litStart = pos;
          predicted = match + 1;
          weakValid = false;
          continue;
        }
        predicted = -1;
        if (avail == blockSize) {
          break; // at the end: nothing left to roll in
        }
        int out = buf[pos] & 0xff;
        int inb = buf[pos + blockSize] & 0xff;
        if (out == 0 && inb == 0 && (a & 0xffff) == 0 && (s & 0xffff) == 0 && isZero(buf, pos, blockSize)) {
          // An all-zero window that matched nothing (a sparse or preallocated region the basis
          // does not have): while zeros come in, every next window is the same all-zero window,
          // with the same miss, so skip the run instead of looking it up once per byte.
          int limit = Math.min(len - blockSize, litStart + MAX_LITERAL);
          int p = pos + 1;
          while (p < limit && buf[p + blockSize] == 0) {
            p++;
          }
          pos = p;
        } else {
          a += inb - out;
          s += a - blockSize * out;
          pos++;
        }
        if (pos - litStart >= MAX_LITERAL) {
          flushLiteral(pos);
        }
      }
      finishTail();
      long hash = hasher == null ? 0 : hasher.finish();
      Signature signed = next == null ? null : next.build(hash);
      return new Result(read, hash, literalBytes, copiedBytes, signed);
    }

    /** The last bytes: the basis's short last block, else literal. */
    private void finishTail() throws IOException {
      int count = basis.blockCount();
      int lastLength = count > fullBlocks ? basis.blockLength(count - 1) : 0;
      int tailStart = len - lastLength;
      if (lastLength > 0 && tailStart >= pos
          && Xxh3.hash(buf, tailStart, lastLength) == basis.strong(count - 1)
          && RollingChecksum.of(buf, tailStart, lastLength) == basis.weak(count - 1)) {
        flushLiteral(tailStart);
        copy((long) (count - 1) * blockSize, lastLength);
        litStart = len;
      } else {
        flushLiteral(len);
      }
      flushCopy();
    }

    private void copy(long offset, long length) throws IOException {
      copiedBytes += length;
      if (pendingCopyOffset >= 0 && pendingCopyOffset + pendingCopyLength == offset) {
        pendingCopyLength += length;
        return;
      }
      flushCopy();
      pendingCopyOffset = offset;
      pendingCopyLength = length;
    }

    private void flushCopy() throws IOException {
      if (pendingCopyOffset >= 0) {
        sink.copy(pendingCopyOffset, pendingCopyLength);
        pendingCopyOffset = -1;
        pendingCopyLength = 0;
      }
    }

    /** Sends buf[litStart, end) as literal data. */
    private void flushLiteral(int end) throws IOException {
      if (end <= litStart) {
        return;
      }
      flushCopy();
      for (int at = litStart; at < end; ) {
        int n = Math.min(MAX_LITERAL, end - at);
        sink.literal(buf, at, n);
        literalBytes += n;
        at += n;
      }
      litStart = end;
    }

    /** Keeps the window, drops what is behind it, reads more. */
    private void fill() throws IOException {
      flushLiteral(pos);
      if (pos > 0) {
        System.arraycopy(buf, pos, buf, 0, len - pos);
        len -= pos;
        litStart -= pos;
        pos = 0;
      }
      ByteBuffer target = ByteBuffer.wrap(buf, len, buf.length - len);
      int before = len;
      while (target.hasRemaining()) {
        int n = in.read(target);
        if (n < 0) {
          eof = true;
          break;
        }
        if (n == 0) {
          break; // non-blocking channel with nothing yet: come back
        }
      }
      len = target.position();
      int added = len - before;
      read += added;
      if (read > targetSize) {
        throw new IOException("target grew while its delta was computed: more than " + targetSize + " bytes");
      }
      if (eof && read < targetSize) {
        throw new IOException("target shrank while its delta was computed: " + read + " bytes, " + targetSize + " expected");
      }
      if (hasher != null) {
        hasher.update(buf, before, added);
      }
      if (next != null) {
        next.update(buf, before, added);
      }
      if (read == targetSize && !eof && !target.hasRemaining()) {
        // Exactly full at the announced size: probe for growth instead of another fill round.
        ByteBuffer probe = ByteBuffer.allocate(1);
        if (in.read(probe) > 0) {
          throw new IOException("target grew while its delta was computed: more than " + targetSize + " bytes");
        }
        eof = true;
      }
    }
  }
}
