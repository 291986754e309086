package org.replicator.core.index;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32C;

/**
 * The index file's bytes, decoded big-endian as {@link java.io.DataInputStream} would, from one
 * 64 KiB buffer. Why not that stream over a {@link java.util.zip.CheckedInputStream}: it updates
 * the CRC one byte per call and goes through three stream layers per byte; the load of 105,050
 * entries was among a restart's top costs (issue 16). Here the CRC is updated once per buffer
 * refill, over the bytes decoded from it. Memory stays one buffer, whatever the file's size.
 *
 * <p>Running past the end throws {@link EOFException}, which {@link IndexFile} reports as a
 * truncated file. Not thread safe; one load owns it.
 */
final class IndexInput {
  private final InputStream in;
  private final byte[] buf = new byte[1 << 16];
  private final CRC32C crc = new CRC32C();
  private int pos;
  private int limit;
  /** Where the bytes not yet counted in {@link #crc} start. */
  private int crcStart;

  IndexInput(InputStream in) {
    this.in = in;
  }

  /** Makes at least {@code n} (at most the buffer's size) bytes readable, or throws EOFException. */
  private void need(int n) throws IOException {
    if (limit - pos >= n) {
      return;
    }
    crc.update(buf, crcStart, pos - crcStart);
    System.arraycopy(buf, pos, buf, 0, limit - pos);
    limit -= pos;
    pos = 0;
    crcStart = 0;
    while (limit < n) {
      int r = in.read(buf, limit, buf.length - limit);
      if (r < 0) {
        throw new EOFException();
      }
      limit += r;
    }
  }

  int readUnsignedByte() throws IOException {
    need(1);
    return buf[pos++] & 0xFF;
  }

  /** The next byte, or -1 at the end (like {@link InputStream#read()}). */
  int read() throws IOException {
    try {
      return readUnsignedByte();
    } catch (EOFException e) {
      return -1;
    }
  }

  void readFully(byte[] into) throws IOException {
    readFully(into, 0, into.length);
  }

  void readFully(byte[] into, int offset, int length) throws IOException {
    while (length > 0) {
      need(1);
      int n = Math.min(length, limit - pos);
      System.arraycopy(buf, pos, into, offset, n);
      pos += n;
      offset += n;
      length -= n;
    }
  }

  int readInt() throws IOException {
    need(4);
    int v = (buf[pos] & 0xFF) << 24 | (buf[pos + 1] & 0xFF) << 16 | (buf[pos + 2] & 0xFF) << 8 | (buf[pos + 3] & 0xFF);
    pos += 4;
    return v;
  }

  long readLong() throws IOException {
    long hi = readInt() & 0xFFFFFFFFL;
    long lo = readInt() & 0xFFFFFFFFL;
    return hi << 32 | lo;
  }

  /** CRC32C of every byte read so far. */
  int crcOfConsumed() {
    crc.update(buf, crcStart, pos - crcStart);
    crcStart = pos;
    return (int) crc.getValue();
  }
}
