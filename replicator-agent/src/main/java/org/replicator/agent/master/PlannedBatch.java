package org.replicator.agent.master;

import java.util.List;
import org.replicator.core.plan.Content;
import org.replicator.core.plan.PlannedOp;

/**
 * A numbered batch, planned once and shared read-only by every slave link.
 *
 * @param bytes content bytes before compression (lag in bytes)
 * @param memoryBytes what the batch holds in memory: inline content only. A file streamed from
 *     disk costs nothing while queued, so it must not count against a link's queue bound (a single
 *     1 GiB file would otherwise push every slave into catch-up by diff).
 */
record PlannedBatch(long seq, long createdAtMillis, List<PlannedOp> ops, long bytes, long memoryBytes) {
  PlannedBatch(long seq, long createdAtMillis, List<PlannedOp> ops, long bytes) {
    this(seq, createdAtMillis, ops, bytes, inlineBytes(ops));
  }

  private static long inlineBytes(List<PlannedOp> ops) {
    long sum = 0;
    for (PlannedOp op : ops) {
      if (op.content() instanceof Content.Inline inline) {
        sum += inline.size();
      }
    }
    return sum;
  }
}
