package org.replicator.core.wire;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checked big-endian reads from one frame body. Every read first checks that the bytes are there,
 * and every length read from the peer is checked against its limit before anything of that size
 * is allocated, so a hostile frame costs at most its own bytes. Errors name the frame and field.
 */
final class WireInput {
  private final ByteBuffer buf;
  private final FrameType frame;

  WireInput(ByteBuffer buf, FrameType frame) {
    this.buf = buf;
    this.frame = frame;
  }

  FrameType frame() {
    return frame;
  }

  int remaining() {
    return buf.remaining();
  }

  ByteBuffer buffer() {
    return buf;
  }

  int u8(String field) throws ProtocolException {
    require(1, field);
    return buf.get() & 0xff;
  }

  int u16(String field) throws ProtocolException {
    require(2, field);
    return buf.getShort() & 0xffff;
  }

  int i32(String field) throws ProtocolException {
    require(4, field);
    return buf.getInt();
  }

  long u32(String field) throws ProtocolException {
    require(4, field);
    return buf.getInt() & 0xffff_ffffL;
  }

  long i64(String field) throws ProtocolException {
    require(8, field);
    return buf.getLong();
  }

  boolean bool(String field) throws ProtocolException {
    int value = u8(field);
    if (value > 1) {
      throw error("field '" + field + "' is boolean but holds " + value);
    }
    return value == 1;
  }

  /** A u32 count checked against {@code limit} before the caller sizes anything by it. */
  int count(String field, int limit) throws ProtocolException {
    long count = u32(field);
    if (count > limit) {
      throw error("declares " + field + " " + count + ", limit " + limit);
    }
    return (int) count;
  }

  /** A long checked to lie in {@code min..max}. */
  long range(String field, long min, long max) throws ProtocolException {
    long value = i64(field);
    if (value < min || value > max) {
      throw error("field '" + field + "' is " + value + ", must be " + min + ".." + max);
    }
    return value;
  }

  /** u16 length + UTF-8; malformed UTF-8 is an error, never replaced by U+FFFD. */
  String string(String field, int limit) throws ProtocolException {
    int length = u16(field + " length");
    if (length > limit) {
      throw error("declares " + field + " of " + length + " bytes, limit " + limit);
    }
    require(length, field);
    ByteBuffer slice = buf.slice();
    slice.limit(length);
    buf.position(buf.position() + length);
    // A fresh decoder per string: decoders are stateful and frames are decoded on many threads.
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      CharBuffer chars = decoder.decode(slice);
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException(frame + " frame: field '" + field + "' is not valid UTF-8", e);
    }
  }

  void expectEnd() throws ProtocolException {
    if (buf.hasRemaining()) {
      throw error("has " + buf.remaining() + " trailing bytes after its payload");
    }
  }

  ProtocolException error(String what) {
    return new ProtocolException(frame + " frame " + what);
  }

  private void require(int bytes, String field) throws ProtocolException {
    if (buf.remaining() < bytes) {
      throw error(
          "is truncated: field '" + field + "' needs " + bytes + " bytes, " + buf.remaining() + " remain");
    }
  }
}
