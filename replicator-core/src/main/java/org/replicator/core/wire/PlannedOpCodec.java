package org.replicator.core.wire;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.replicator.core.op.Op;
import org.replicator.core.plan.Content;
import org.replicator.core.plan.PlannedOp;

/**
 * Encodes planned ops for the master's change journal with the wire's op encoding. A put keeps
 * only its content's size and hash, never its bytes: decoded, it becomes {@link Content.OnDisk}
 * and is read from the docroot when sent (the hash check there catches a file changed since).
 */
public final class PlannedOpCodec {
  private static final int NO_CONTENT = 0;
  private static final int HAS_CONTENT = 1;

  private PlannedOpCodec() {}

  public static byte[] encode(List<PlannedOp> ops) {
    WireOutput out = new WireOutput(64 + ops.size() * 64);
    out.i32(ops.size());
    for (PlannedOp p : ops) {
      OpCodec.write(out, p.op());
      if (p.content() == null) {
        out.u8(NO_CONTENT);
      } else {
        out.u8(HAS_CONTENT);
        out.i64(p.content().size());
        out.i64(p.content().hash());
      }
    }
    return out.toByteArray();
  }

  /** @throws ProtocolException when the bytes are not a list this class wrote */
  public static List<PlannedOp> decode(byte[] bytes) throws ProtocolException {
    WireInput in = new WireInput(ByteBuffer.wrap(bytes), FrameType.BATCH_BEGIN);
    int n = in.count("op count", Integer.MAX_VALUE);
    List<PlannedOp> ops = new ArrayList<>(Math.min(n, 4096));
    for (int i = 0; i < n; i++) {
      Op op = OpCodec.read(in);
      int has = in.u8("content flag");
      if (has == NO_CONTENT) {
        ops.add(PlannedOp.of(op));
      } else {
        long size = in.i64("content size");
        long hash = in.i64("content hash");
        ops.add(new PlannedOp(op, new Content.OnDisk(op.path(), size, hash)));
      }
    }
    in.expectEnd();
    return ops;
  }
}
