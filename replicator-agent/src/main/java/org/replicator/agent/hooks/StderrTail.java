package org.replicator.agent.hooks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The last {@link #CAPACITY} bytes of a hook's standard error, read to the end so the hook never
 * blocks on a full pipe, keeping memory fixed however much it writes. One reader thread writes,
 * {@link #text()} is read after that thread has been joined (or given up on): guarded by {@code this}.
 */
final class StderrTail {
  static final int CAPACITY = 4096;
  private final byte[] ring = new byte[CAPACITY];
  private long total;

  void drain(InputStream in) {
    byte[] buf = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buf)) >= 0) {
        append(buf, n);
      }
    } catch (IOException e) {
      // The pipe closes when the process is killed: what was read so far is the tail.
    }
  }

  private synchronized void append(byte[] buf, int n) {
    for (int i = 0; i < n; i++) {
      ring[(int) (total++ % CAPACITY)] = buf[i];
    }
  }

  /** The tail as text (a multi-byte character cut at the start shows as a replacement). */
  synchronized String text() {
    int size = (int) Math.min(total, CAPACITY);
    byte[] out = new byte[size];
    long start = total - size;
    for (int i = 0; i < size; i++) {
      out[i] = ring[(int) ((start + i) % CAPACITY)];
    }
    String s = new String(out, StandardCharsets.UTF_8);
    return total > CAPACITY ? "…" + s : s;
  }
}
