package org.replicator.core.plan;

import java.util.List;
import java.util.Map;
import org.replicator.core.batch.PathHint;

/**
 * What the planner made of a batch.
 *
 * @param ops in the order the slave must apply them
 * @param deferred paths not at rest yet (still being written), to requeue
 * @param deletedEntries index entries removed by deletes in this batch (a directory counts with
 *     everything under it): the input of the mass-delete rule
 * @param entriesBefore index size before the batch
 * @param parked files their writer still has open (close-write known): they wait for their next
 *     event or for the long-open limit, see {@code Coalescer#park}
 */
public record PlanResult(List<PlannedOp> ops, Map<String, PathHint> deferred, int deletedEntries, int entriesBefore,
    Map<String, Parked> parked) {
  public PlanResult(List<PlannedOp> ops, Map<String, PathHint> deferred, int deletedEntries, int entriesBefore) {
    this(ops, deferred, deletedEntries, entriesBefore, Map.of());
  }

  /** A file left open by its writer, and when to look at it again even without an event. */
  public record Parked(PathHint hint, long wakeAtNanos) {}

  public long contentBytes() {
    long sum = 0;
    for (PlannedOp op : ops) {
      sum += op.contentBytes();
    }
    return sum;
  }
}
