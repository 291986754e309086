package org.replicator.core.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;
import org.replicator.core.op.Op;

/**
 * What {@code verify}, {@code resync} and anti-entropy report: a {@link CatchUpPlanner#diff} turned
 * into one {@code {path, difference}} line per path an operator would call different.
 */
public final class TreeDifferences {
  /** Differences listed in a report; the count is always complete. */
  public static final int MAX_LISTED = 1000;

  private TreeDifferences() {}

  /**
   * One line per difference between what the slave holds and what the master holds at the same
   * batch. A directory whose only difference is its mtime is left out: creating anything in it,
   * an excluded cache file included, changes that on every node, and a resync resets it anyway.
   */
  public static List<Map<String, String>> describe(List<PlannedOp> diff, Index slave, Index master, boolean compareOwners) {
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
