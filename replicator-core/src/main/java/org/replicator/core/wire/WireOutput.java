package org.replicator.core.wire;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable big-endian byte array for encoding one frame. Writes that would produce a frame the
 * peer must refuse (a string over its limit, a value out of its field's range) throw
 * {@link IllegalArgumentException}: that is a bug on our side, not the peer's.
 */
final class WireOutput {
  private byte[] buf;
  private int pos;

  WireOutput(int initialCapacity) {
    buf = new byte[initialCapacity];
  }

  int position() {
    return pos;
  }

  byte[] array() {
    return buf;
  }

  /** The bytes written so far, without a copy when the estimate was exact. */
  byte[] toByteArray() {
    return pos == buf.length ? buf : Arrays.copyOf(buf, pos);
  }

  void ensure(int more) {
    if (buf.length - pos < more) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
    }
  }

  /** Moves the write position to {@code newPos} after bytes were put into {@link #array()} directly. */
  void position(int newPos) {
    pos = newPos;
  }

  void u8(int v) {
    ensure(1);
    buf[pos++] = (byte) v;
  }

  void u16(String field, int v) {
    if (v < 0 || v > 0xffff) {
      throw new IllegalArgumentException(field + " " + v + " does not fit in 16 bits");
    }
    ensure(2);
    buf[pos++] = (byte) (v >>> 8);
    buf[pos++] = (byte) v;
  }

  void i32(int v) {
    ensure(4);
    putInt(pos, v);
    pos += 4;
  }

  void putInt(int at, int v) {
    buf[at] = (byte) (v >>> 24);
    buf[at + 1] = (byte) (v >>> 16);
    buf[at + 2] = (byte) (v >>> 8);
    buf[at + 3] = (byte) v;
  }

  void i64(long v) {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buf[pos++] = (byte) (v >>> shift);
    }
  }

  void bool(boolean v) {
    u8(v ? 1 : 0);
  }

  void string(String field, String value, int limit) {
    // getBytes turns a lone surrogate into '?': such a string is not valid Unicode and cannot be
    // the name of a file we replicate (RelPath refuses names the JDK could not decode).
    byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
    if (utf8.length > limit) {
      throw new IllegalArgumentException(
          field + " is " + utf8.length + " bytes of UTF-8, limit " + limit);
    }
    u16(field + " length", utf8.length);
    bytes(utf8, 0, utf8.length);
  }

  void bytes(byte[] src, int off, int len) {
    ensure(len);
    System.arraycopy(src, off, buf, pos, len);
    pos += len;
  }

  /** {@code s} cut to at most {@code maxBytes} of UTF-8, never inside a character. */
  static String truncate(String s, int maxBytes) {
    if (stringSize(s) - 2 <= maxBytes) {
      return s;
    }
    int bytes = 0;
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + n > maxBytes) {
        break;
      }
      bytes += n;
      i += Character.charCount(cp);
    }
    return s.substring(0, i);
  }

  /** Encoded size of {@code s} as a wire string (u16 length + UTF-8), without encoding it. */
  static int stringSize(String s) {
    int bytes = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3; // a BMP char, or a lone surrogate that getBytes encodes as one '?' (counted high)
      }
    }
    return 2 + bytes;
  }
}
