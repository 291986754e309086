package org.replicator.agent.journal;

import java.util.ArrayList;
import java.util.List;
import org.replicator.core.plan.Content;
import org.replicator.core.plan.PlannedOp;
import org.replicator.core.wire.OpRecord;
import org.replicator.core.wire.OpRecordCodec;
import org.replicator.core.wire.ProtocolException;

/**
 * The planned ops of one journal record, in wire's op encoding ({@link OpRecordCodec}). A put keeps
 * only its content's size and hash, never its bytes: decoded, it becomes {@link Content.OnDisk} and
 * is read from the docroot when sent (the hash check there catches a file changed since).
 */
final class JournalOps {
  private JournalOps() {}

  static byte[] encode(List<PlannedOp> ops) {
    List<OpRecord> records = new ArrayList<>(ops.size());
    for (PlannedOp p : ops) {
      Content c = p.content();
      records.add(c == null ? OpRecord.of(p.op()) : OpRecord.withContent(p.op(), c.size(), c.hash()));
    }
    return OpRecordCodec.encode(records);
  }

  /** @throws ProtocolException when the bytes are not a list {@link #encode} wrote */
  static List<PlannedOp> decode(byte[] bytes) throws ProtocolException {
    List<OpRecord> records = OpRecordCodec.decode(bytes);
    List<PlannedOp> ops = new ArrayList<>(records.size());
    for (OpRecord r : records) {
      ops.add(r.hasContent() ? new PlannedOp(r.op(), new Content.OnDisk(r.op().path(), r.contentSize(), r.contentHash())) : PlannedOp.of(r.op()));
    }
    return ops;
  }
}
