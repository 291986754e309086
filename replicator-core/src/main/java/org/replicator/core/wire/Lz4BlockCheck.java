package org.replicator.core.wire;

import java.nio.ByteBuffer;

/**
 * What lz4-java's safe decompressor does not check in an LZ4 block: a match offset of 0. The block
 * format forbids it (a match copies from {@code offset} bytes back, so 0 would copy the bytes
 * being written), yet the decompressor (1.14.0, Java and JNI alike) accepts it and leaves those
 * bytes as whatever the destination held. A peer's corrupt or crafted block must fail as corrupt
 * data instead of yielding content the sender never had.
 *
 * <p>Walks the sequences only (token, literal length, literals, offset, match length): no output
 * is produced, every read is bounds-checked, and the walk ends at the end of the block, so any
 * input, however malformed, takes at most one step per byte. Stateless.
 */
final class Lz4BlockCheck {
  private Lz4BlockCheck() {}

  /**
   * The index (from {@code from}) of the first match offset that is 0 in the LZ4 block of {@code
   * length} bytes at {@code from}, or -1 if there is none. Other malformations are the
   * decompressor's to find; the walk merely stops at them.
   */
  static int zeroOffsetAt(ByteBuffer src, int from, int length) {
    int p = from;
    int end = from + length;
    while (p < end) {
      int token = src.get(p++) & 0xff;
      long literals = token >>> 4;
      if (literals == 15) {
        int b;
        do {
          if (p >= end) {
            return -1;
          }
          b = src.get(p++) & 0xff;
          literals += b;
        } while (b == 255);
      }
      if (literals > end - p) {
        return -1; // truncated: the decompressor reports it
      }
      p += (int) literals;
      if (p == end) {
        return -1; // the last sequence has literals only
      }
      if (end - p < 2) {
        return -1;
      }
      int offset = (src.get(p) & 0xff) | (src.get(p + 1) & 0xff) << 8;
      if (offset == 0) {
        return p - from;
      }
      p += 2;
      if ((token & 0x0f) == 15) {
        int b;
        do {
          if (p >= end) {
            return -1;
          }
          b = src.get(p++) & 0xff;
        } while (b == 255);
      }
    }
    return -1;
  }
}
