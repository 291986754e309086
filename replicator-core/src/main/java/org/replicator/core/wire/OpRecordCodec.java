package org.replicator.core.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.replicator.core.op.Op;

/**
 * Encodes a list of {@link OpRecord}s with the wire's op encoding, for the master's change
 * journal: each op, then a content flag and, when set, the content's size and hash.
 */
public final class OpRecordCodec {
  private static final int NO_CONTENT = 0;
  private static final int HAS_CONTENT = 1;

  private OpRecordCodec() {}

  public static byte[] encode(List<OpRecord> ops) {
    WireOutput out = new WireOutput(64 + ops.size() * 64);
    out.i32(ops.size());
    for (OpRecord r : ops) {
      OpCodec.write(out, r.op());
      if (!r.hasContent()) {
        out.u8(NO_CONTENT);
      } else {
        out.u8(HAS_CONTENT);
        out.i64(r.contentSize());
        out.i64(r.contentHash());
      }
    }
    return out.toByteArray();
  }

  /** @throws ProtocolException when the bytes are not a list this class wrote */
  public static List<OpRecord> decode(byte[] bytes) throws ProtocolException {
    WireInput in = new WireInput(ByteBuffer.wrap(bytes), FrameType.BATCH_BEGIN);
    int n = in.count("op count", Integer.MAX_VALUE);
    List<OpRecord> ops = new ArrayList<>(Math.min(n, 4096));
    for (int i = 0; i < n; i++) {
      Op op = OpCodec.read(in);
      int has = in.u8("content flag");
      if (has == NO_CONTENT) {
        ops.add(OpRecord.of(op));
      } else {
        long size = in.i64("content size");
        long hash = in.i64("content hash");
        ops.add(OpRecord.withContent(op, size, hash));
      }
    }
    in.expectEnd();
    return ops;
  }
}
