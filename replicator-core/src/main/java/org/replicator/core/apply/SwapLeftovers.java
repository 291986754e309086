package org.replicator.core.apply;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.replicator.core.path.RelPath;

/**
 * Removes the staging siblings ({@code <parent>/.replicator-swap.<name>}) that a crash in the
 * middle of a {@link DirectorySwap} left behind: the batch that built one was never acknowledged,
 * so the master sends it again. Only the parents the swap patterns can name are listed (their
 * {@code *} segments expanded over real directories), never through a symlink and never outside
 * the docroot; a leftover is deleted without following the links inside it.
 *
 * <p>Bounded: the walk is as deep as the longest pattern, and each directory it lists is listed
 * once, streamed. Runs on the applier's thread from {@link Applier#start()}.
 */
final class SwapLeftovers {
  private SwapLeftovers() {}

  /** Removes every leftover; returns their relative paths, in the order removed. */
  static List<String> remove(Path docroot, SwapPatterns patterns) throws IOException {
    List<String> removed = new ArrayList<>();
    for (String pattern : patterns.patterns()) {
      String[] segs = pattern.split("/");
      removeUnder(docroot, "", segs, 0, patterns, removed);
    }
    return removed;
  }

  /** {@code dir} (relative, a real directory) matches the first {@code depth} segments. */
  private static void removeUnder(Path docroot, String dir, String[] segs, int depth, SwapPatterns patterns, List<String> removed)
      throws IOException {
    boolean last = depth == segs.length - 1;
    if (!last && !segs[depth].contains("*")) {
      String child = RelPath.join(dir, segs[depth]);
      if (isRealDirectory(docroot.resolve(child))) {
        removeUnder(docroot, child, segs, depth + 1, patterns, removed);
      }
      return;
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir.isEmpty() ? docroot : docroot.resolve(dir))) {
      for (Path p : s) {
        String name = p.getFileName().toString();
        String rel = RelPath.join(dir, name);
        if (last ? patterns.isStaging(rel) : !rel.equals(RelPath.RESERVED) && patterns.mayHoldRoots(rel) && isRealDirectory(p)) {
          names.add(name);
        }
      }
    }
    Path parent = dir.isEmpty() ? docroot : docroot.resolve(dir);
    FileTime mtime = last && !names.isEmpty() ? Files.getLastModifiedTime(parent, LinkOption.NOFOLLOW_LINKS) : null;
    for (String name : names) {
      String rel = RelPath.join(dir, name);
      if (last) {
        TempFiles.deleteTree(docroot.resolve(rel));
        removed.add(rel);
      } else {
        removeUnder(docroot, rel, segs, depth + 1, patterns, removed);
      }
    }
    if (mtime != null) {
      // The parent as the startup scan saw it: the removal is the slave's own business, and a
      // changed mtime would read as a difference from the master's directory.
      Files.setLastModifiedTime(parent, mtime);
    }
  }

  private static boolean isRealDirectory(Path p) throws IOException {
    BasicFileAttributes a = ConfinedTree.lstat(p);
    return a != null && ConfinedTree.isRealDirectory(a);
  }
}
