package org.replicator.core.plan;

import org.replicator.core.op.Op;

/** An op and, for a {@link Op.PutFile}, its content; {@code content} is null for other ops. */
public record PlannedOp(Op op, Content content) {
  public static PlannedOp of(Op op) {
    return new PlannedOp(op, null);
  }

  /** Bytes this op puts on the wire before compression (content only). */
  public long contentBytes() {
    return content == null ? 0 : content.size();
  }
}
