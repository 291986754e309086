package org.replicator.core.scan;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;

/**
 * A full comparison of two trees as a user would check them: type, content (hash of every file,
 * read in full), mode, mtime (files and directories in nanoseconds, symlinks in microseconds),
 * symlink target, hard-link groups, and owners when asked. Excluded paths and {@code .replicator/}
 * are not compared. Used by the demo, the tests and (later) {@code replicator verify}.
 */
public final class TreeComparison {
  private TreeComparison() {}

  public static List<String> differences(Path expected, Path actual, ExcludeFilter filter) throws IOException {
    return differences(expected, actual, filter, false);
  }

  public static List<String> differences(Path expected, Path actual, ExcludeFilter filter, boolean owners) throws IOException {
    Index want = read(expected, filter, owners);
    Index have = read(actual, filter, owners);
    List<String> out = new ArrayList<>();
    Map<Long, String> groupFirst = new HashMap<>();
    for (Entry w : want.entries()) {
      Entry h = have.get(w.path());
      if (h == null) {
        out.add("missing " + w.path());
        continue;
      }
      String why = compare(w, h, owners);
      if (why != null) {
        out.add("different " + w.path() + ": " + why);
      }
      if (w.type() == EntryType.FILE && w.nlink() > 1) {
        String first = groupFirst.putIfAbsent(w.inode(), w.path());
        if (first != null && have.get(first) != null && have.get(first).inode() != h.inode()) {
          out.add("different " + w.path() + ": not a hard link of " + first);
        }
      }
    }
    for (Entry h : have.entries()) {
      if (want.get(h.path()) == null) {
        out.add("extra " + h.path());
      }
    }
    return out;
  }

  private static String compare(Entry w, Entry h, boolean owners) {
    if (w.type() != h.type()) {
      return "type " + w.type() + " vs " + h.type();
    }
    if (w.size() != h.size() || w.hash() != h.hash()) {
      return "content (" + w.size() + " vs " + h.size() + " bytes)";
    }
    if (!w.linkTarget().equals(h.linkTarget())) {
      return "link target '" + w.linkTarget() + "' vs '" + h.linkTarget() + "'";
    }
    if (w.mode() != h.mode()) {
      return "mode " + Integer.toOctalString(w.mode()) + " vs " + Integer.toOctalString(h.mode());
    }
    long wm = w.type() == EntryType.SYMLINK ? w.mtimeNanos() / 1000 : w.mtimeNanos();
    long hm = h.type() == EntryType.SYMLINK ? h.mtimeNanos() / 1000 : h.mtimeNanos();
    if (wm != hm) {
      return "mtime " + w.mtimeNanos() + " vs " + h.mtimeNanos();
    }
    if (owners && (w.uid() != h.uid() || w.gid() != h.gid())) {
      return "owner " + w.uid() + ":" + w.gid() + " vs " + h.uid() + ":" + h.gid();
    }
    return null;
  }

  private static Index read(Path root, ExcludeFilter filter, boolean owners) throws IOException {
    ScanResult result = new Scanner(root, filter, owners, ScanListener.NONE).scan("", new Index());
    Index index = new Index();
    for (Entry e : result.entries()) {
      if (!e.path().isEmpty()) {
        index.put(e);
      }
    }
    return index;
  }
}
