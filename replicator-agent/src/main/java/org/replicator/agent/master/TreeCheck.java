package org.replicator.agent.master;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.replicator.core.op.Op;
import org.replicator.core.plan.PlannedOp;
import org.replicator.core.plan.TreeDifferences;

/**
 * One {@code verify} or {@code resync} of one slave: compares the slave's tree with the master's
 * index at the same batch, reports every difference, and for a resync sends exactly those
 * differences and waits for the slave to acknowledge them. Run by the link's sender thread between
 * two batches, so the comparison is exact: the batches the snapshot includes are delivered before
 * the slave lists its tree, and later ones wait in the queue until the check is done.
 *
 * <p>Progress counters are written by the sender thread and read by status requests.
 */
final class TreeCheck {
  /** Differences listed in a report; the count is always complete. */
  static final int MAX_LISTED = TreeDifferences.MAX_LISTED;

  final boolean repair;
  /** {@code verify}, {@code resync} or {@code anti-entropy}: for status and the log. */
  final String kind;
  final CompletableFuture<Map<String, Object>> result = new CompletableFuture<>();
  final long startedNanos = System.nanoTime();
  volatile String phase = "waiting";
  volatile long filesTotal;
  volatile long bytesTotal;
  final AtomicLong filesDone = new AtomicLong();
  final AtomicLong bytesDone = new AtomicLong();

  TreeCheck(boolean repair) {
    this(repair, repair ? "resync" : "verify");
  }

  TreeCheck(boolean repair, String kind) {
    this.repair = repair;
    this.kind = kind;
  }

  /** Sender thread: a resync op went out with {@code contentBytes} of content. */
  void sent(PlannedOp op) {
    if (op.op() instanceof Op.PutFile) {
      filesDone.incrementAndGet();
    }
    bytesDone.addAndGet(op.contentBytes());
  }

  void planned(List<PlannedOp> ops) {
    long files = 0;
    long bytes = 0;
    for (PlannedOp op : ops) {
      if (op.op() instanceof Op.PutFile) {
        files++;
      }
      bytes += op.contentBytes();
    }
    filesTotal = files;
    bytesTotal = bytes;
  }

  /** For status while it runs. */
  Map<String, Object> progress() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", kind);
    m.put("phase", phase);
    m.put("filesTotal", filesTotal);
    m.put("filesDone", filesDone.get());
    m.put("bytesTotal", bytesTotal);
    m.put("bytesDone", bytesDone.get());
    m.put("elapsedMillis", (System.nanoTime() - startedNanos) / 1_000_000);
    return m;
  }
}
