package org.replicator.agent.master;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
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

  /** True for an operator's verify or resync, false for the master's own anti-entropy run. */
  boolean requested() {
    return !kind.equals("anti-entropy");
  }

  /**
   * Gives the check up (its client went away, or stopped waiting for it): its result fails with
   * {@code why}, and the sender thread skips it, or stops it at the next step that can be left
   * without harm (before the slave is asked for its list, before a repair is sent; a repair batch
   * already sent is applied and acknowledged as usual). True if this call ended it.
   */
  boolean cancel(String why) {
    return result.completeExceptionally(new CancellationException(why));
  }

  /** True once the check is over for its caller: done, failed, or cancelled. */
  boolean over() {
    return result.isDone();
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

  /**
   * For status while it runs or waits to run; {@code waitingFor} says what it waits for (phase
   * {@code waiting}), else null.
   */
  Map<String, Object> progress(String waitingFor) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", kind);
    m.put("phase", phase);
    m.put("filesTotal", filesTotal);
    m.put("filesDone", filesDone.get());
    m.put("bytesTotal", bytesTotal);
    m.put("bytesDone", bytesDone.get());
    m.put("elapsedMillis", (System.nanoTime() - startedNanos) / 1_000_000);
    if (waitingFor != null) {
      m.put("waitingFor", waitingFor);
    }
    return m;
  }
}
