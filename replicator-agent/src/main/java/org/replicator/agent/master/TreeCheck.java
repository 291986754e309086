package org.replicator.agent.master;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;
import org.replicator.core.op.Op;
import org.replicator.core.plan.PlannedOp;

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
  static final int MAX_LISTED = 1000;

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

  /**
   * One line per difference between what the slave holds and what the master holds at the same
   * batch. A directory whose only difference is its mtime is left out: creating anything in it,
   * an excluded cache file included, changes that on every node, and a resync resets it anyway.
   */
  static List<Map<String, String>> describe(List<PlannedOp> diff, Index slave, Index master, boolean compareOwners) {
    List<Map<String, String>> out = new ArrayList<>();
    for (PlannedOp planned : diff) {
      Op op = planned.op();
      Entry have = slave.get(op.path());
      Entry want = master.get(op.path());
      String what;
      if (op instanceof Op.Delete) {
        what = "extra: not on the master";
        if (want != null) {
          continue; // replaced by another type: the op that follows names it
        }
      } else if (op instanceof Op.PutFile) {
        what = have == null ? "missing file"
            : have.size() != want.size() ? String.format(Locale.ROOT, "content differs (%d bytes here, %d on the master)", have.size(), want.size())
            : "content differs (same size)";
      } else if (op instanceof Op.Mkdir) {
        what = "missing directory";
      } else if (op instanceof Op.Symlink) {
        what = have == null ? "missing symlink" : "symlink target differs";
      } else if (op instanceof Op.Hardlink h) {
        what = "not a hard link of " + h.existing();
      } else if (op instanceof Op.SetMeta) {
        if (have != null && want != null && have.type() == EntryType.DIR && have.mode() == want.mode()
            && (!compareOwners || (have.uid() == want.uid() && have.gid() == want.gid()))) {
          continue;
        }
        what = "metadata differs (mode, mtime or owner)";
      } else {
        what = op.getClass().getSimpleName();
      }
      if (have != null && want != null && have.type() != want.type() && !(op instanceof Op.Delete)) {
        what = "is a " + have.type().name().toLowerCase(Locale.ROOT) + " here, a " + want.type().name().toLowerCase(Locale.ROOT) + " on the master";
      }
      Map<String, String> line = new LinkedHashMap<>();
      line.put("path", op.path());
      line.put("difference", what);
      out.add(line);
    }
    return out;
  }
}
