package org.replicator.core.hash;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import net.openhft.hashing.LongHashFunction;

/**
 * XXH3-64 with seed 0, the same values as zero-allocation-hashing's {@code LongHashFunction.xx3()}
 * ({@code Xxh3Test} compares them at every length up to several stripes and blocks, at odd
 * offsets), written out for inputs longer than 240 bytes: the 1-128 KiB blocks that hashing a
 * file, signing it, searching a delta and checking a patch hash back to back.
 *
 * <p>Why our own loop: the library reads each 8-byte word through a virtual call on its {@code
 * Access} strategy. C2 inlines it; C1 (the agents run with {@code -XX:TieredStopAtLevel=1}) does
 * not once several strategies are loaded, and a perf profile of the slave's apply thread during a
 * 512 MiB patch had 60 % of its samples in {@code XXH3_64bits_internal} and the non-inlined {@code
 * UnsafeAccess.getLong} (docs/benchmarks.md, "Issue 16, session 3: delta"). Here the words come
 * from a {@link VarHandle} view of the array, which C1 compiles to a load: 256 MiB in 64 KiB blocks
 * took 52-56 ms under C1 against the library's 76-84 ms in the same JVM. Inputs of 240 bytes or
 * less take other paths of the algorithm and are cheap: they go to the library. Stateless.
 */
public final class Xxh3 {
  private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final LongHashFunction LIBRARY = LongHashFunction.xx3();

  private static final long PRIME32_1 = 0x9E3779B1L;
  private static final long PRIME32_2 = 0x85EBCA77L;
  private static final long PRIME32_3 = 0xC2B2AE3DL;
  private static final long PRIME64_1 = 0x9E3779B185EBCA87L;
  private static final long PRIME64_2 = 0xC2B2AE3D27D4EB4FL;
  private static final long PRIME64_3 = 0x165667B19E3779F9L;
  private static final long PRIME64_4 = 0x85EBCA77C2B2AE63L;
  private static final long PRIME64_5 = 0x27D4EB2F165667C5L;

  private static final int STRIPE = 64;
  private static final int SECRET_SIZE = 192;
  private static final int STRIPES_PER_BLOCK = (SECRET_SIZE - STRIPE) / 8;
  private static final int BLOCK = STRIPE * STRIPES_PER_BLOCK;
  private static final int MID_SIZE_MAX = 240;

  /** XXH3's default secret (kSecret), 192 bytes. */
  private static final byte[] SECRET = hex(
      "b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671fcb79e64eccc0e578825ad07dccff7221"
          + "b8084674f743248ee03590e6813a264c3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8"
          + "a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364eac5ac8334d3ebc3c581a0fffa1363eb"
          + "170ddd51b7f0da49d316552629d4689e2b16be587d47a1fc8ff8b8d17ad031ce45cb3a8f95160428afd7fbcabb4b407e");
  /** The secret as little-endian words at every 8-byte step: stripe {@code s} uses words s..s+7. */
  private static final long[] KEY = words(0, SECRET_SIZE / 8);
  /** Scramble key: the last stripe of the secret. */
  private static final long[] SCRAMBLE = words(SECRET_SIZE - STRIPE, 8);
  /** The last stripe's key: 7 bytes before the secret's last stripe (XXH_SECRET_LASTACC_START). */
  private static final long[] LAST = words(SECRET_SIZE - STRIPE - 7, 8);
  /** Merge key from byte 11 (XXH_SECRET_MERGEACCS_START). */
  private static final long[] MERGE = words(11, 8);

  private Xxh3() {}

  /** The XXH3-64 (seed 0) of {@code b[off, off + len)}. */
  public static long hash(byte[] b, int off, int len) {
    if (len <= MID_SIZE_MAX) {
      return LIBRARY.hashBytes(b, off, len);
    }
    long a0 = PRIME32_3;
    long a1 = PRIME64_1;
    long a2 = PRIME64_2;
    long a3 = PRIME64_3;
    long a4 = PRIME64_4;
    long a5 = PRIME32_2;
    long a6 = PRIME64_5;
    long a7 = PRIME32_1;
    int blocks = (len - 1) / BLOCK;
    int p = off;
    for (int n = 0; n < blocks; n++) {
      for (int s = 0; s < STRIPES_PER_BLOCK; s++, p += STRIPE) {
        // One stripe (accumulate_512), unrolled: eight words, each added to its neighbour lane
        // and multiplied (low by high 32 bits) into its own after mixing with the key.
        long d0 = word(b, p);
        long d1 = word(b, p + 8);
        long d2 = word(b, p + 16);
        long d3 = word(b, p + 24);
        long d4 = word(b, p + 32);
        long d5 = word(b, p + 40);
        long d6 = word(b, p + 48);
        long d7 = word(b, p + 56);
        long k0 = d0 ^ KEY[s];
        long k1 = d1 ^ KEY[s + 1];
        long k2 = d2 ^ KEY[s + 2];
        long k3 = d3 ^ KEY[s + 3];
        long k4 = d4 ^ KEY[s + 4];
        long k5 = d5 ^ KEY[s + 5];
        long k6 = d6 ^ KEY[s + 6];
        long k7 = d7 ^ KEY[s + 7];
        a0 += d1 + (k0 & 0xFFFFFFFFL) * (k0 >>> 32);
        a1 += d0 + (k1 & 0xFFFFFFFFL) * (k1 >>> 32);
        a2 += d3 + (k2 & 0xFFFFFFFFL) * (k2 >>> 32);
        a3 += d2 + (k3 & 0xFFFFFFFFL) * (k3 >>> 32);
        a4 += d5 + (k4 & 0xFFFFFFFFL) * (k4 >>> 32);
        a5 += d4 + (k5 & 0xFFFFFFFFL) * (k5 >>> 32);
        a6 += d7 + (k6 & 0xFFFFFFFFL) * (k6 >>> 32);
        a7 += d6 + (k7 & 0xFFFFFFFFL) * (k7 >>> 32);
      }
      a0 = scramble(a0, SCRAMBLE[0]);
      a1 = scramble(a1, SCRAMBLE[1]);
      a2 = scramble(a2, SCRAMBLE[2]);
      a3 = scramble(a3, SCRAMBLE[3]);
      a4 = scramble(a4, SCRAMBLE[4]);
      a5 = scramble(a5, SCRAMBLE[5]);
      a6 = scramble(a6, SCRAMBLE[6]);
      a7 = scramble(a7, SCRAMBLE[7]);
    }
    long[] acc = {a0, a1, a2, a3, a4, a5, a6, a7};
    int stripes = ((len - 1) - BLOCK * blocks) / STRIPE;
    for (int s = 0; s < stripes; s++, p += STRIPE) {
      accumulate(acc, b, p, KEY, s);
    }
    accumulate(acc, b, off + len - STRIPE, LAST, 0);
    long result = len * PRIME64_1;
    for (int i = 0; i < 4; i++) {
      result += mul128Fold64(acc[2 * i] ^ MERGE[2 * i], acc[2 * i + 1] ^ MERGE[2 * i + 1]);
    }
    return avalanche(result);
  }

  private static void accumulate(long[] acc, byte[] b, int p, long[] key, int k) {
    for (int i = 0; i < 8; i++) {
      long data = word(b, p + 8 * i);
      long mixed = data ^ key[k + i];
      acc[i ^ 1] += data;
      acc[i] += (mixed & 0xFFFFFFFFL) * (mixed >>> 32);
    }
  }

  private static long word(byte[] b, int at) {
    return (long) LONGS.get(b, at);
  }

  private static long scramble(long acc, long key) {
    return ((acc ^ (acc >>> 47)) ^ key) * PRIME32_1;
  }

  private static long mul128Fold64(long x, long y) {
    long high = Math.multiplyHigh(x, y) + ((x >> 63) & y) + ((y >> 63) & x); // unsigned high half
    return (x * y) ^ high;
  }

  private static long avalanche(long h) {
    h ^= h >>> 37;
    h *= 0x165667919E3779F9L;
    return h ^ (h >>> 32);
  }

  private static long[] words(int from, int count) {
    long[] out = new long[count];
    for (int i = 0; i < count; i++) {
      out[i] = (long) LONGS.get(SECRET, from + 8 * i);
    }
    return out;
  }

  private static byte[] hex(String s) {
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }
}
