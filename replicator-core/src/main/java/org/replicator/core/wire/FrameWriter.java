package org.replicator.core.wire;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.replicator.core.index.Entry;
import org.replicator.core.wire.Message.Ack;

/**
 * Encodes one {@link Message} into one complete frame: {@code u32 length · u8 type · payload}.
 * Stateless and thread safe. It makes no decisions about what to send when; it refuses, with
 * {@link IllegalArgumentException}, to encode a frame the peer's {@link FrameReader} would reject
 * for size (a string over its limit, a frame over {@link Protocol#MAX_FRAME}), because sending
 * one would only get the connection closed.
 */
public final class FrameWriter {
  private FrameWriter() {}

  /** The whole frame, length field included, ready to write to the socket. */
  public static byte[] encode(Message m) {
    return write(m).toByteArray();
  }

  /**
   * The whole frame, as {@link #encode}, in a buffer that wraps the encoder's own array (position 0,
   * limit the frame's end): no second allocation and copy to trim it. The array may be a little
   * larger than the frame (a DATA frame's is sized for LZ4's worst case), so hold the buffer only
   * while it is written. Profiled on the master's sender thread during an initial sync (2026-12-07,
   * perf): zeroing and copying arrays was a third of its CPU, LZ4 another sixth (docs/benchmarks.md,
   * "Issue 16: data path").
   */
  public static ByteBuffer encodeBuffer(Message m) {
    WireOutput frame = write(m);
    return ByteBuffer.wrap(frame.array(), 0, frame.position());
  }

  /**
   * Puts the whole frame into {@code out} and returns its size. When {@code out} lacks room it
   * throws {@link BufferOverflowException} and leaves {@code out} unchanged.
   */
  public static int encodeTo(Message m, ByteBuffer out) {
    WireOutput frame = write(m);
    if (out.remaining() < frame.position()) {
      throw new BufferOverflowException();
    }
    out.put(frame.array(), 0, frame.position());
    return frame.position();
  }

  /**
   * Cuts a manifest into frames that respect both {@link Protocol#MAX_MANIFEST_ENTRIES} and
   * {@link Protocol#MAX_FRAME}: long paths and link targets make an entry up to ~8 KiB, so the
   * entry count alone does not bound the frame.
   */
  public static List<Message.ManifestEntries> splitManifest(List<Entry> entries) {
    List<Message.ManifestEntries> frames = new ArrayList<>();
    int budget = Protocol.MAX_FRAME_BODY - 1 - 4; // type byte and count
    int from = 0;
    int bytes = 0;
    for (int i = 0; i < entries.size(); i++) {
      int size = EntryCodec.size(entries.get(i));
      if (i - from == Protocol.MAX_MANIFEST_ENTRIES || bytes + size > budget) {
        frames.add(new Message.ManifestEntries(entries.subList(from, i)));
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (from < entries.size()) {
      frames.add(new Message.ManifestEntries(entries.subList(from, entries.size())));
    }
    return frames;
  }

  /**
   * An ack that always fits in one frame: at most {@link Protocol#MAX_FAILURES} failures and
   * {@link Protocol#MAX_FRAME} bytes, reasons cut to {@link Protocol#MAX_TEXT}. When failures must
   * be left out, the last one kept is a batch-wide failure saying how many were omitted (the slave's
   * own log and status hold them all).
   */
  public static Ack fitAck(long seq, long appliedAtMillis, List<Message.Failure> failures) {
    int summaryBytes = 2 + 2 + 64;
    int budget = Protocol.MAX_FRAME_BODY - 1 - 8 - 8 - 4 - summaryBytes;
    int maxKept = failures.size() <= Protocol.MAX_FAILURES ? failures.size() : Protocol.MAX_FAILURES - 1;
    List<Message.Failure> kept = new ArrayList<>(Math.min(maxKept, 64));
    int bytes = 0;
    for (Message.Failure f : failures) {
      Message.Failure cut = fit(f);
      int size = WireOutput.stringSize(cut.path()) + WireOutput.stringSize(cut.reason());
      if (kept.size() == maxKept || bytes + size > budget) {
        break;
      }
      kept.add(cut);
      bytes += size;
    }
    if (kept.size() < failures.size()) {
      kept.add(new Message.Failure("", (failures.size() - kept.size()) + " more failures not listed"));
    }
    return new Ack(seq, appliedAtMillis, kept);
  }

  private static Message.Failure fit(Message.Failure f) {
    if (WireOutput.stringSize(f.path()) - 2 > Protocol.MAX_STRING) {
      // Cannot happen for paths that came in an op (they were validated); keep the text anyway.
      return new Message.Failure("", WireOutput.truncate(f.path() + ": " + f.reason(), Protocol.MAX_TEXT));
    }
    return new Message.Failure(f.path(), WireOutput.truncate(f.reason(), Protocol.MAX_TEXT));
  }

  private static WireOutput write(Message m) {
    WireOutput out = new WireOutput(initialCapacity(m));
    out.i32(0); // length, patched below
    out.u8(m.type().code());
    writePayload(m, out);
    int body = out.position() - Protocol.LENGTH_FIELD_BYTES;
    if (body > Protocol.MAX_FRAME_BODY) {
      throw new IllegalArgumentException(
          m.type() + " frame would be " + out.position() + " bytes, limit " + Protocol.MAX_FRAME);
    }
    out.putInt(0, body);
    return out;
  }

  private static int initialCapacity(Message m) {
    if (m instanceof Message.Data d) {
      return 10 + d.bytes().length + d.bytes().length / 255 + 16; // LZ4 worst case
    }
    return m instanceof Message.ManifestEntries e ? 64 + 128 * e.entries().size() : 128;
  }

  private static void writePayload(Message m, WireOutput out) {
    switch (m.type()) {
      case HELLO -> {
        Message.Hello h = (Message.Hello) m;
        out.u16("major", h.major());
        out.u16("minor", h.minor());
        out.string("cluster", h.cluster(), Protocol.MAX_STRING);
        out.string("fromNode", h.fromNode(), Protocol.MAX_STRING);
        out.string("toNode", h.toNode(), Protocol.MAX_STRING);
        out.i64(h.configHash());
        out.bool(h.replicateOwners());
        if (Protocol.hasEpoch(h.major(), h.minor())) {
          out.i64(h.epoch());
        }
      }
      case HELLO_REPLY -> {
        Message.HelloReply r = (Message.HelloReply) m;
        out.u16("major", r.major());
        out.u16("minor", r.minor());
        out.string("node", r.node(), Protocol.MAX_STRING);
        out.i64(r.configHash());
        out.i64(r.lastAppliedSeq());
        out.i64(r.treeDigest());
        out.bool(r.accepted());
        out.string("reason", r.reason(), Protocol.MAX_TEXT);
        if (Protocol.hasEpoch(r.major(), r.minor())) {
          out.i64(r.epoch());
          out.string("master", r.master(), Protocol.MAX_STRING);
        }
      }
      case MANIFEST_REQUEST -> {
        // no payload
      }
      case MANIFEST_ENTRIES -> {
        List<Entry> entries = ((Message.ManifestEntries) m).entries();
        out.i32(entries.size());
        for (Entry e : entries) {
          EntryCodec.write(out, e);
        }
      }
      case MANIFEST_END -> {
        Message.ManifestEnd e = (Message.ManifestEnd) m;
        out.i64(e.count());
        out.i64(e.treeDigest());
      }
      case BATCH_BEGIN -> {
        Message.BatchBegin b = (Message.BatchBegin) m;
        out.i64(b.seq());
        out.i64(b.createdAtMillis());
        out.i32(b.opCount());
      }
      case OP -> OpCodec.write(out, ((Message.OpMessage) m).op());
      case DATA -> DataCodec.write(out, ((Message.Data) m).bytes());
      case ZEROS -> out.i64(((Message.Zeros) m).length());
      case COPY -> {
        Message.Copy c = (Message.Copy) m;
        out.i64(c.offset());
        out.i64(c.length());
      }
      case PUT_END -> out.i64(((Message.PutEnd) m).hash());
      case PUT_ABORT -> out.string("reason", ((Message.PutAbort) m).reason(), Protocol.MAX_TEXT);
      case BATCH_END -> out.i64(((Message.BatchEnd) m).seq());
      case ACK -> {
        Ack a = (Ack) m;
        out.i64(a.seq());
        out.i64(a.appliedAtMillis());
        out.i32(a.failures().size());
        for (Message.Failure f : a.failures()) {
          out.string("failure path", f.path(), Protocol.MAX_STRING);
          out.string("failure reason", f.reason(), Protocol.MAX_TEXT);
        }
      }
      case ERROR -> {
        Message.ErrorMessage e = (Message.ErrorMessage) m;
        out.u16("code", e.code());
        out.string("message", e.message(), Protocol.MAX_TEXT);
      }
      case PING -> out.i64(((Message.Ping) m).nanos());
      case PONG -> out.i64(((Message.Pong) m).nanos());
      case HANDOVER -> {
        Message.Handover h = (Message.Handover) m;
        out.i64(h.epoch());
        out.string("master", h.master(), Protocol.MAX_STRING);
      }
    }
  }
}
