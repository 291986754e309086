package org.replicator.core.delta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Splits bytes into data and runs of all-zero 4 KiB pages, so that zeros travel as a length and
 * land as holes (the sender's literals; the applier's copies). Only whole pages count as zero: a
 * short zero tail stays data, which keeps the rule the same wherever a buffer happens to end.
 */
public final class ZeroPages {
  public static final int PAGE = 4096;
  private static final byte[] ZERO_PAGE = new byte[PAGE];

  /** Receives the pieces in order. */
  public interface Sink {
    void data(byte[] b, int off, int len) throws IOException;

    void zeros(long length) throws IOException;
  }

  private ZeroPages() {}

  public static boolean isZeroPage(byte[] b, int off) {
    return Arrays.equals(b, off, off + PAGE, ZERO_PAGE, 0, PAGE);
  }

  /** True when {@code b} holds a whole zero page at index {@code at} (heap or direct buffer). */
  public static boolean isZeroPage(ByteBuffer b, int at) {
    if (b.limit() - at < PAGE) {
      return false;
    }
    for (int i = 0; i < PAGE; i += Long.BYTES) {
      if (b.getLong(at + i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** Feeds b[off, off + len) to {@code sink}: data pieces, and zero runs merged across pages. */
  public static void split(byte[] b, int off, int len, Sink sink) throws IOException {
    int end = off + len;
    int dataStart = off;
    long zeros = 0;
    for (int page = off; page < end; page += PAGE) {
      if (end - page >= PAGE && isZeroPage(b, page)) {
        if (page > dataStart) {
          sink.data(b, dataStart, page - dataStart);
        }
        zeros += PAGE;
        dataStart = page + PAGE;
      } else if (zeros > 0) {
        sink.zeros(zeros);
        zeros = 0;
      }
    }
    if (zeros > 0) {
      sink.zeros(zeros);
    }
    if (end > dataStart) {
      sink.data(b, dataStart, end - dataStart);
    }
  }
}
