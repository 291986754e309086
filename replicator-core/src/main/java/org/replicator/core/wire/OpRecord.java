package org.replicator.core.wire;

import org.replicator.core.op.Op;

/**
 * An op as a stored batch keeps it (the master's journal): the op and, for a put whose content
 * travels, that content's size and hash, never its bytes. Wire's own type, so that wire knows
 * nothing of the planner; the journal maps it to and from the planner's ops.
 *
 * @param hasContent false for ops without content (and puts announced without any)
 */
public record OpRecord(Op op, boolean hasContent, long contentSize, long contentHash) {
  /** An op without content. */
  public static OpRecord of(Op op) {
    return new OpRecord(op, false, 0, 0);
  }

  /** An op whose content of {@code size} bytes has content hash {@code hash}. */
  public static OpRecord withContent(Op op, long size, long hash) {
    return new OpRecord(op, true, size, hash);
  }
}
