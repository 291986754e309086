package org.replicator.core.wire;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Hand-built frame bodies for hostile-input tests: writes exactly what it is told, checks nothing. */
final class FrameBytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static FrameBytes type(FrameType type) {
    return new FrameBytes().u8(type.code());
  }

  FrameBytes u8(int v) {
    out.write(v);
    return this;
  }

  FrameBytes u16(int v) {
    return u8(v >>> 8).u8(v);
  }

  FrameBytes i32(int v) {
    return u16(v >>> 16).u16(v & 0xffff);
  }

  FrameBytes i64(long v) {
    return i32((int) (v >>> 32)).i32((int) v);
  }

  FrameBytes str(String s) {
    return str(s.getBytes(StandardCharsets.UTF_8));
  }

  FrameBytes str(byte[] utf8) {
    return u16(utf8.length).raw(utf8);
  }

  FrameBytes raw(byte... bytes) {
    out.writeBytes(bytes);
    return this;
  }

  /** Meta: mode, mtime, uid, gid. */
  FrameBytes meta(int mode) {
    return u16(mode).i64(1).i32(-1).i32(-1);
  }

  byte[] body() {
    return out.toByteArray();
  }

  ByteBuffer buffer() {
    return ByteBuffer.wrap(body());
  }

  /** The body with its length field in front. */
  byte[] frame() {
    byte[] body = body();
    return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
  }
}
