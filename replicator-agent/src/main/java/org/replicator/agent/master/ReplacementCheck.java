package org.replicator.agent.master;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import org.replicator.core.op.Op;
import org.replicator.core.plan.PlannedOp;

/**
 * How much of what a held batch deletes exists again on the master: the input of {@link
 * org.replicator.core.plan.DeleteGuard#holdReason(int, int, int)}. WordPress's upgrader removes a
 * plugin's directory, then writes the new version in its place; the batch with the deletes is
 * planned before the new version exists, so the planner loop asks again while the batch waits
 * (see {@link PlannerLoop}).
 *
 * <p>Counts entries (the directory itself and everything under it, symlinks not followed) under
 * each deleted path, stopping at {@code limit}: the count never needs to exceed what was deleted,
 * so a large new tree costs no more than the old one.
 */
final class ReplacementCheck {
  private ReplacementCheck() {}

  /** The paths a batch deletes (each with everything under it on the slave). */
  static List<String> deletedPaths(List<PlannedOp> ops) {
    List<String> deleted = new ArrayList<>();
    for (PlannedOp p : ops) {
      if (p.op() instanceof Op.Delete d) {
        deleted.add(d.path());
      }
    }
    return deleted;
  }

  /** Entries present now at or under {@code paths} in {@code docroot}, at most {@code limit}. */
  static int present(Path docroot, List<String> paths, int limit) throws IOException {
    int[] count = {0};
    for (String rel : paths) {
      if (count[0] >= limit) {
        break;
      }
      Path p = docroot.resolve(rel);
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS) || !realParents(docroot, rel)) {
        continue;
      }
      try {
        Files.walkFileTree(p, new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            count[0]++;
            return count[0] >= limit ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            count[0]++;
            return count[0] >= limit ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            return FileVisitResult.CONTINUE; // gone while walked: not there, not counted
          }
        });
      } catch (NoSuchFileException e) {
        // removed again while walked: what was counted so far stands
      }
    }
    return Math.min(count[0], limit);
  }

  /** A path reached through a symlinked parent is not ours: it replaces nothing. */
  private static boolean realParents(Path docroot, String rel) {
    Path at = docroot;
    String[] parts = rel.split("/");
    for (int i = 0; i < parts.length - 1; i++) {
      at = at.resolve(parts[i]);
      if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
    }
    return true;
  }
}
