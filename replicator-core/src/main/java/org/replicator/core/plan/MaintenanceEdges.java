package org.replicator.core.plan;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.replicator.core.batch.MaintenanceBarrier;
import org.replicator.core.batch.PathHint;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;

/**
 * Makes sure neither edge of WordPress's maintenance mode is planned away (see {@link
 * MaintenanceBarrier}). The planner decides from the disk, so an update that ended before the
 * planner reached its ON batch would find no {@code .maintenance} and send nothing, and the changes
 * of the update would then reach the slaves unprotected. Pure: the caller says what the disk shows.
 */
final class MaintenanceEdges {
  private static final String FILE = MaintenanceBarrier.FILE;

  private MaintenanceEdges() {}

  /**
   * The ops of an edge batch with the edge kept.
   *
   * <ul>
   *   <li>ON, file gone from the disk and not deferred: a {@code .maintenance} with WordPress's own
   *       content is sent first (and any delete of it dropped); the OFF that follows removes it.
   *   <li>OFF, file absent: a delete of it is sent even when the index no longer knew it (a
   *       synthesized ON) or deletes are not replicated: maintenance mode must not outlive the
   *       update on a slave.
   * </ul>
   */
  static List<PlannedOp> keep(MaintenanceBarrier.Edge edge, List<PlannedOp> ops, boolean onDisk, Map<String, PathHint> deferred,
      Map<String, PlanResult.Parked> parked, long epochSeconds) {
    if (edge == MaintenanceBarrier.Edge.NONE || onDisk || deferred.containsKey(FILE) || parked.containsKey(FILE)) {
      return ops;
    }
    boolean touched = false;
    for (PlannedOp p : ops) {
      Op op = p.op();
      touched |= FILE.equals(op.path()) || op instanceof Op.Move m && FILE.equals(m.from());
    }
    List<PlannedOp> kept = new ArrayList<>(ops.size() + 1);
    if (edge == MaintenanceBarrier.Edge.ON) {
      byte[] bytes = MaintenanceBarrier.wordpressContent(epochSeconds).getBytes(StandardCharsets.US_ASCII);
      Meta meta = new Meta(0644, epochSeconds * 1_000_000_000L, Meta.NO_OWNER, Meta.NO_OWNER);
      kept.add(new PlannedOp(new Op.PutFile(FILE, bytes.length, meta), new Content.Inline(bytes, ContentHasher.of(bytes))));
      for (PlannedOp p : ops) {
        if (!(p.op() instanceof Op.Delete d && FILE.equals(d.path()))) {
          kept.add(p);
        }
      }
      return kept;
    }
    if (touched) {
      return ops;
    }
    kept.addAll(ops);
    kept.add(PlannedOp.of(new Op.Delete(FILE)));
    return kept;
  }
}
