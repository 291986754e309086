package org.replicator.agent.master;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.nio.ByteBuffer;

/**
 * Gathers a batch's small frames into one socket write of up to {@link #CAPACITY} bytes.
 *
 * <p>Why (issue 16, measured 2026-12-08 on the master during an initial sync of 100,000 small
 * files): each file is three small frames (op, data, end), and each frame written on its own cost
 * a Netty write, and with the idle handler and TLS in the pipeline a promise, a listener and a
 * queue entry that live until the bytes reach the socket. The 4 MiB high-water mark counts
 * bytes, so it let ~65,000 such frames wait at once: about 20 MB of heap on the master, whose
 * peak sets its resident memory for good.
 *
 * <p>Frames keep their order: a frame too large to gather ({@link #DIRECT_FROM} bytes or more: a
 * file's data chunks) first writes out what was gathered, then goes out as it is, without a copy.
 * Gathered bytes are written out before every flush ({@link #emit}); what is gathered but not yet
 * written is at most {@link #CAPACITY} bytes, outside the channel's writability accounting.
 * One instance per sender thread; not thread safe.
 */
final class FrameCoalescer {
  /** The most a gathered write holds. */
  static final int CAPACITY = 64 * 1024;
  /** Frames from this size are written on their own: copying them would buy nothing. */
  static final int DIRECT_FROM = 8 * 1024;

  private final ByteBuffer gathered = ByteBuffer.allocate(CAPACITY);

  /** Adds one encoded frame (position 0 to limit); it may be written now or at the next {@link #emit}. */
  void add(Channel ch, ByteBuffer frame) {
    int size = frame.remaining();
    if (size >= DIRECT_FROM) {
      emit(ch);
      ch.write(Unpooled.wrappedBuffer(frame), ch.voidPromise());
      return;
    }
    if (gathered.remaining() < size) {
      emit(ch);
    }
    gathered.put(frame);
  }

  /** Writes what was gathered (not flushed); a no-op when nothing was. */
  void emit(Channel ch) {
    if (gathered.position() == 0) {
      return;
    }
    // An array of the exact size: Netty holds it until the socket took it, and the gathering
    // buffer is reused at once.
    byte[] out = new byte[gathered.position()];
    gathered.flip();
    gathered.get(out);
    gathered.clear();
    ch.write(Unpooled.wrappedBuffer(out), ch.voidPromise());
  }

  /** Drops what was gathered: it belonged to a connection that failed while it was written. */
  void discard() {
    gathered.clear();
  }

  /** Bytes gathered and not yet written. */
  int pendingBytes() {
    return gathered.position();
  }
}
