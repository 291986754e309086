package org.replicator.agent.role;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.replicator.agent.journal.Journal;
import org.replicator.agent.journal.JournalEntry;
import org.replicator.agent.lifecycle.IndexFiles;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.index.Entry;
import org.replicator.core.op.Op;
import org.replicator.core.plan.PlannedOp;

/**
 * The paths a superseded master deleted (or renamed away) after the cut-off: the catch-up that
 * follows brings them back from the new master, so {@link KeptAside} names them in its manifest
 * for an operator to delete again. Nothing of a deleted file is left to copy; only its path.
 *
 * <p>Only paths missing from the docroot now count, and only those this node knew: from its
 * journal (every batch it still holds, in order) and, for a superseded master, from the index it
 * saved. A missing path is named unless the last thing the journal says of it (or of a directory
 * above it) is a delete or rename-away that the new master acknowledged. So a deletion journaled
 * after the new master's last acknowledgement is named, and so is one the journal never saw: a
 * master restarted after being cut off journals what its startup rescan finds only once that
 * rescan is planned (it may learn of the newer epoch first), and that rescan compares with an
 * index saved now and then, which may not even hold a file created in the seconds before a crash
 * (the journal's put of it does). This errs on the side of naming: a deletion the new master did
 * receive, in a batch the journal no longer holds, is named if the saved index still had the path.
 *
 * <p>Bounded: the journal is streamed; at most {@link #MAX_PATHS} missing paths are tracked, the
 * rest counted. The saved index is loaded whole, as the master agent that just stopped held it.
 */
final class KeptDeletions {
  static final int MAX_PATHS = 10_000;

  /** The deleted paths (topmost only: a deleted directory, not each file in it) and how many more were left out. */
  record Found(List<String> paths, long omitted) {
    static final Found NONE = new Found(List.of(), 0);

    boolean isEmpty() {
      return paths.isEmpty();
    }
  }

  private final Path docroot;
  private final ExcludeMatcher excludes;
  /** Missing paths the journal or index named, with the seq of the last delete of them, or 0 when their last op made them. */
  private final TreeMap<String, Long> missing = new TreeMap<>();
  private long acked = Long.MAX_VALUE;
  private long omitted;

  private KeptDeletions(Path docroot, ExcludeMatcher excludes) {
    this.docroot = docroot;
    this.excludes = excludes;
  }

  /**
   * @param withSavedIndex also the paths of the saved index: for a superseded master (it may have
   *     restarted); not after a planned handover, where the planner ran until the drain
   */
  static Found find(Path stateDir, Path docroot, ExcludeMatcher excludes, String newMaster, Journal.Settings settings,
      boolean withSavedIndex) throws IOException {
    KeptDeletions d = new KeptDeletions(docroot, excludes);
    d.fromJournal(stateDir.resolve("journal"), settings, newMaster);
    if (withSavedIndex) {
      d.fromSavedIndex(stateDir);
    }
    return d.found();
  }

  private void fromJournal(Path journalDir, Journal.Settings settings, String newMaster) throws IOException {
    if (!Files.isDirectory(journalDir)) {
      acked = -1;
      return;
    }
    try (Journal journal = Journal.open(journalDir, settings, 1); Journal.Reader r = journal.reader(journal.floor())) {
      acked = journal.ackedSeq(newMaster);
      for (JournalEntry e = r.next(); e != null; e = r.next()) {
        for (PlannedOp p : e.ops()) {
          Op op = p.op();
          if (op instanceof Op.Delete) {
            removed(op.path(), e.seq());
          } else if (op instanceof Op.Move m) {
            removed(m.from(), e.seq());
            made(m.path());
          } else if (!(op instanceof Op.SetMeta)) {
            made(op.path());
          }
        }
      }
    }
  }

  /** A delete or rename-away of {@code path}: it and everything tracked below it are gone since {@code seq}. */
  private void removed(String path, long seq) {
    track(path, seq);
    for (var e : missing.subMap(path + "/", path + "0").entrySet()) { // '0' follows '/'
      e.setValue(seq);
    }
  }

  private void made(String path) {
    track(path, 0L);
  }

  private void track(String path, long seq) {
    if (missing.containsKey(path)) {
      missing.put(path, seq);
    } else if (!path.isEmpty() && !excluded(path) && !exists(path)) {
      if (missing.size() >= MAX_PATHS) {
        omitted++;
      } else {
        missing.put(path, seq);
      }
    }
  }

  private void fromSavedIndex(Path stateDir) {
    if (!Files.exists(IndexFiles.of(stateDir))) {
      return;
    }
    for (Entry e : IndexFiles.loadOrEmpty(stateDir).entries()) {
      if (!missing.containsKey(e.path()) && !excluded(e.path()) && !exists(e.path())) {
        if (missing.size() >= MAX_PATHS) {
          omitted++;
        } else {
          missing.put(e.path(), 0L);
        }
      }
    }
  }

  private Found found() {
    List<String> paths = new ArrayList<>();
    for (var e : missing.entrySet()) {
      String path = e.getKey();
      if (goneForTheNewMaster(path) || reportedAbove(path)) {
        continue;
      }
      paths.add(path);
    }
    return paths.isEmpty() && omitted == 0 ? Found.NONE : new Found(List.copyOf(paths), omitted);
  }

  /** The new master received a delete of it, or of a directory above it, that nothing re-made after. */
  private boolean goneForTheNewMaster(String path) {
    for (String p = path; !p.isEmpty(); p = parentOf(p)) {
      Long seq = missing.get(p);
      if (seq != null && p.equals(path) && seq == 0) {
        return false; // made last: whatever deleted it was not journaled
      }
      if (seq != null && seq > 0) {
        return seq <= acked;
      }
    }
    return false;
  }

  /** A deleted directory is named once, not with each path below it. */
  private boolean reportedAbove(String path) {
    for (String p = parentOf(path); !p.isEmpty(); p = parentOf(p)) {
      if (missing.containsKey(p) && !goneForTheNewMaster(p)) {
        return true;
      }
    }
    return false;
  }

  private boolean excluded(String path) {
    // Whether it was a directory is not known any more: excluded either way is not replicated.
    return excludes.excludedOrUnder(path, false) || excludes.excludedOrUnder(path, true);
  }

  private boolean exists(String rel) {
    return Files.exists(docroot.resolve(rel), LinkOption.NOFOLLOW_LINKS);
  }

  private static String parentOf(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }
}
