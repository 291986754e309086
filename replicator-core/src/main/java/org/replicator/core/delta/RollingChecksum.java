package org.replicator.core.delta;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * rsync's weak checksum: {@code a} is the sum of the window's bytes and {@code s} the sum of the
 * running {@code a}s, so that {@code s = sum((len - i) * x[i])}. Both are kept as wrapping ints;
 * the 32-bit value is {@code (a & 0xffff) | (s << 16)}. Sliding the window by one byte is O(1)
 * ({@link #roll}), which is what lets the delta search try every byte offset.
 *
 * <p>It is only a filter: a weak hit is confirmed by the block's XXH3 before anything is trusted.
 * Stateless; the caller keeps {@code a} and {@code s}.
 */
public final class RollingChecksum {
  private RollingChecksum() {}

  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long LOW_BYTES = 0x00FF00FF00FF00FFL;
  private static final long ONES = 0x0001000100010001L;
  private static final long RAMP = 0x0000000100020003L;

  /** {@code a} of {@code len} bytes. */
  public static int sumA(byte[] b, int off, int len) {
    int a = 0;
    int end = off + len;
    for (int i = off; i < end; i++) {
      a += b[i] & 0xff;
    }
    return a;
  }

  /** {@code s} of {@code len} bytes, one byte at a time: the reference for {@link #of}. */
  public static int sumS(byte[] b, int off, int len) {
    int a = 0;
    int s = 0;
    int end = off + len;
    for (int i = off; i < end; i++) {
      a += b[i] & 0xff;
      s += a;
    }
    return s;
  }

  /**
   * The weak checksum of {@code len} bytes, eight bytes per step (SWAR): with the bytes of a
   * little-endian long split into even and odd 16-bit lanes, one multiply sums the lanes and a
   * second one weights them by position, so the loop has no per-byte dependency chain. This is
   * what signing every block of a file costs, so it is worth the arithmetic.
   */
  public static int of(byte[] b, int off, int len) {
    int a = 0;
    int s = 0;
    int i = 0;
    for (; i + 8 <= len; i += 8) {
      long word = (long) LONGS.get(b, off + i);
      long even = word & LOW_BYTES;
      long odd = (word >>> 8) & LOW_BYTES;
      long pairs = even + odd;
      int sum = (int) ((pairs * ONES) >>> 48);
      int ramp = (int) ((pairs * RAMP) >>> 48); // sum over pairs k of k * (x[2k] + x[2k+1])
      int oddSum = (int) ((odd * ONES) >>> 48);
      int weighted = 2 * ramp + oddSum; // sum over j of j * x[j] within the eight bytes
      s += (len - i) * sum - weighted;
      a += sum;
    }
    for (; i < len; i++) {
      int x = b[off + i] & 0xff;
      a += x;
      s += (len - i) * x;
    }
    return combine(a, s);
  }

  public static int combine(int a, int s) {
    return (a & 0xffff) | (s << 16);
  }

}
