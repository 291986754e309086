package org.replicator.core.index;

import java.io.EOFException;
import java.util.zip.CRC32C;

/**
 * The index file's bytes, read whole into memory and decoded big-endian, as {@link
 * java.io.DataInputStream} would. Why not that stream over a {@link java.util.zip.CheckedInputStream}:
 * it updates the CRC one byte per call and goes through three stream layers per byte; the JFR of a
 * restart (issue 16) had the load of 105,050 entries among the start's top costs. Here the CRC is
 * one intrinsic call over the decoded range. The file is about 60 bytes per entry, a fraction of
 * what the loaded index holds in the heap, and is dropped once decoded.
 *
 * <p>Running past the end throws {@link EOFException}, which {@link IndexFile} reports as a
 * truncated file. Not thread safe; one load owns it.
 */
final class IndexInput {
  private final byte[] bytes;
  private int pos;

  IndexInput(byte[] bytes) {
    this.bytes = bytes;
  }

  private void need(int n) throws EOFException {
    if (n < 0 || bytes.length - pos < n) {
      throw new EOFException();
    }
  }

  int readUnsignedByte() throws EOFException {
    need(1);
    return bytes[pos++] & 0xFF;
  }

  /** The next byte, or -1 at the end (like {@link java.io.InputStream#read()}). */
  int read() {
    return pos < bytes.length ? bytes[pos++] & 0xFF : -1;
  }

  void readFully(byte[] into) throws EOFException {
    readFully(into, 0, into.length);
  }

  void readFully(byte[] into, int offset, int length) throws EOFException {
    need(length);
    System.arraycopy(bytes, pos, into, offset, length);
    pos += length;
  }

  int readInt() throws EOFException {
    need(4);
    int v = (bytes[pos] & 0xFF) << 24 | (bytes[pos + 1] & 0xFF) << 16 | (bytes[pos + 2] & 0xFF) << 8 | (bytes[pos + 3] & 0xFF);
    pos += 4;
    return v;
  }

  long readLong() throws EOFException {
    long hi = readInt() & 0xFFFFFFFFL;
    long lo = readInt() & 0xFFFFFFFFL;
    return hi << 32 | lo;
  }

  /** CRC32C of every byte read so far. */
  int crcOfConsumed() {
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, pos);
    return (int) crc.getValue();
  }
}
