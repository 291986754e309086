package org.replicator.core.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.replicator.core.index.Entry;
import org.replicator.core.path.RelPath;
import org.replicator.core.path.UnsafePathException;
import org.replicator.core.wire.Message.Ack;

/**
 * Decodes frames into {@link Message}s. It decides nothing about order or state (that is the
 * session handler's job); it only guarantees that what it returns is well formed and within every
 * limit of {@link Protocol}, and that no size read from the peer is allocated before it is checked.
 *
 * <p>Two ways in: the static {@link #decode} for one frame body whose length field a framer
 * (Netty's {@code LengthFieldBasedFrameDecoder}) already stripped, and an instance that reassembles
 * frames from arbitrary chunks ({@link #feed}) for tests and tools. An instance is not thread safe;
 * after it threw a {@link ProtocolException} it refuses further input, as the stream is then
 * unframed.
 *
 * <p>Failures: {@link ProtocolException} for malformed frames, and
 * {@link org.replicator.core.path.UnsafePathException} (unchecked, not wrapped) for a well-formed
 * frame carrying a path that must never be written.
 */
public final class FrameReader {
  private final ByteBuffer header = ByteBuffer.allocate(Protocol.LENGTH_FIELD_BYTES);
  private ByteBuffer body; // null while the length field is being read
  private boolean failed;

  /**
   * Decodes one frame body ({@code u8 type · payload}, no length field) and consumes all of
   * {@code frameBody}. Bytes left after the payload are an error.
   */
  public static Message decode(ByteBuffer frameBody) throws ProtocolException {
    int size = frameBody.remaining();
    if (size < 1) {
      throw new ProtocolException("empty frame: no type byte");
    }
    if (size > Protocol.MAX_FRAME_BODY) {
      throw new ProtocolException("frame of " + size + " bytes, limit " + Protocol.MAX_FRAME_BODY);
    }
    int code = frameBody.get() & 0xff;
    FrameType type = FrameType.ofCode(code);
    if (type == null) {
      throw new ProtocolException(
          String.format(java.util.Locale.ROOT, "unknown frame type 0x%02x in a frame of %d bytes", code, size));
    }
    WireInput in = new WireInput(frameBody, type);
    Message m;
    try {
      m = readPayload(in);
    } catch (IllegalArgumentException e) {
      // Values the reader checked by size but a record constructor refuses (e.g. seq 0).
      throw new ProtocolException(type + " frame: " + e.getMessage(), e);
    }
    in.expectEnd();
    return m;
  }

  public static Message decode(byte[] frameBody) throws ProtocolException {
    return decode(ByteBuffer.wrap(frameBody));
  }

  /**
   * Consumes all of {@code chunk}, passing each completed message to {@code sink} in order. Holds
   * at most one partial frame; the length field is checked against {@link Protocol#MAX_FRAME}
   * before the frame's buffer is allocated.
   */
  public void feed(ByteBuffer chunk, Consumer<? super Message> sink) throws ProtocolException {
    if (failed) {
      throw new IllegalStateException("this FrameReader already failed; close the connection");
    }
    while (chunk.hasRemaining()) {
      if (body == null) {
        copy(chunk, header);
        if (header.hasRemaining()) {
          return;
        }
        long length = header.getInt(0) & 0xffff_ffffL;
        if (length < 1 || length > Protocol.MAX_FRAME_BODY) {
          failed = true;
          throw new ProtocolException(
              "frame length field is " + length + ", must be 1.." + Protocol.MAX_FRAME_BODY);
        }
        body = ByteBuffer.allocate((int) length);
      }
      copy(chunk, body);
      if (body.hasRemaining()) {
        return;
      }
      ByteBuffer complete = body.flip();
      body = null;
      header.clear();
      Message m;
      try {
        m = decode(complete);
      } catch (ProtocolException | UnsafePathException e) {
        failed = true;
        throw e;
      }
      // Outside the try: a throwing sink is the caller's business and leaves the reader usable.
      sink.accept(m);
    }
  }

  /** True while part of a frame is buffered: a stream that ends now was cut mid-frame. */
  public boolean isMidFrame() {
    return body != null || header.position() > 0;
  }

  private static void copy(ByteBuffer from, ByteBuffer to) {
    int n = Math.min(from.remaining(), to.remaining());
    ByteBuffer slice = from.slice();
    slice.limit(n);
    to.put(slice);
    from.position(from.position() + n);
  }

  private static long epoch(WireInput in) throws ProtocolException {
    return in.range("epoch", 0, Long.MAX_VALUE);
  }

  private static Message readPayload(WireInput in) throws ProtocolException {
    switch (in.frame()) {
      case HELLO: {
        int major = in.u16("major");
        int minor = in.u16("minor");
        String cluster = in.string("cluster", Protocol.MAX_STRING);
        String from = in.string("fromNode", Protocol.MAX_STRING);
        String to = in.string("toNode", Protocol.MAX_STRING);
        long hash = in.i64("configHash");
        boolean owners = in.bool("replicateOwners");
        long epoch = Protocol.hasEpoch(major, minor) ? epoch(in) : Message.NO_EPOCH;
        return new Message.Hello(major, minor, cluster, from, to, hash, owners, epoch);
      }
      case HELLO_REPLY: {
        int major = in.u16("major");
        int minor = in.u16("minor");
        String node = in.string("node", Protocol.MAX_STRING);
        long hash = in.i64("configHash");
        long applied = in.i64("lastAppliedSeq");
        long digest = in.i64("treeDigest");
        boolean accepted = in.bool("accepted");
        String reason = in.string("reason", Protocol.MAX_TEXT);
        if (!Protocol.hasEpoch(major, minor)) {
          return new Message.HelloReply(major, minor, node, hash, applied, digest, accepted, reason);
        }
        long epoch = epoch(in);
        return new Message.HelloReply(major, minor, node, hash, applied, digest, accepted, reason, epoch,
            in.string("master", Protocol.MAX_STRING));
      }
      case MANIFEST_REQUEST:
        return new Message.ManifestRequest();
      case MANIFEST_ENTRIES: {
        int count = in.count("entry count", Protocol.MAX_MANIFEST_ENTRIES);
        // Each entry takes at least FIXED_BYTES: a count the frame cannot hold fails before the list.
        if ((long) count * EntryCodec.FIXED_BYTES > in.remaining()) {
          throw in.error("declares " + count + " entries but has only " + in.remaining() + " bytes left");
        }
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          entries.add(EntryCodec.read(in));
        }
        return new Message.ManifestEntries(entries);
      }
      case MANIFEST_END:
        return new Message.ManifestEnd(in.range("count", 0, Long.MAX_VALUE), in.i64("treeDigest"));
      case BATCH_BEGIN:
        return new Message.BatchBegin(
            in.range("seq", 1, Long.MAX_VALUE), in.i64("createdAtMillis"), in.count("opCount", Integer.MAX_VALUE));
      case OP:
        return new Message.OpMessage(OpCodec.read(in));
      case DATA:
        return new Message.Data(DataCodec.read(in));
      case ZEROS:
        return new Message.Zeros(in.range("length", 1, Protocol.MAX_FILE_SIZE));
      case COPY: {
        long offset = in.range("offset", 0, Protocol.MAX_FILE_SIZE);
        return new Message.Copy(offset, in.range("length", 1, Protocol.MAX_FILE_SIZE));
      }
      case PUT_END:
        return new Message.PutEnd(in.i64("hash"));
      case PUT_ABORT:
        return new Message.PutAbort(in.string("reason", Protocol.MAX_TEXT));
      case BATCH_END:
        return new Message.BatchEnd(in.range("seq", 1, Long.MAX_VALUE));
      case ACK:
        return readAck(in);
      case ERROR:
        return new Message.ErrorMessage(in.u16("code"), in.string("message", Protocol.MAX_TEXT));
      case PING:
        return new Message.Ping(in.i64("nanos"));
      case PONG:
        return new Message.Pong(in.i64("nanos"));
      case HANDOVER:
        return new Message.Handover(in.range("epoch", 1, Long.MAX_VALUE), in.string("master", Protocol.MAX_STRING));
      default:
        throw new AssertionError("unhandled frame type " + in.frame());
    }
  }

  private static Ack readAck(WireInput in) throws ProtocolException {
    long seq = in.range("seq", 1, Long.MAX_VALUE);
    long appliedAt = in.i64("appliedAtMillis");
    int count = in.count("failure count", Protocol.MAX_FAILURES);
    if ((long) count * 4 > in.remaining()) {
      throw in.error("declares " + count + " failures but has only " + in.remaining() + " bytes left");
    }
    List<Message.Failure> failures = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String path = in.string("failure path", Protocol.MAX_STRING);
      if (!path.isEmpty()) {
        RelPath.validate(path);
      }
      failures.add(new Message.Failure(path, in.string("failure reason", Protocol.MAX_TEXT)));
    }
    return new Ack(seq, appliedAt, failures);
  }
}
