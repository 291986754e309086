package org.replicator.agent.master;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.replicator.core.plan.PlannedOp;

/** "Move=1 PutFile=3" for the debug log of a batch. */
final class OpSummary {
  private OpSummary() {}

  static String of(List<PlannedOp> ops) {
    Map<String, Integer> counts = new TreeMap<>();
    for (PlannedOp op : ops) {
      counts.merge(op.op().getClass().getSimpleName(), 1, Integer::sum);
    }
    StringBuilder out = new StringBuilder();
    counts.forEach((k, v) -> out.append(out.length() == 0 ? "" : " ").append(k).append('=').append(v));
    return out.toString();
  }
}
