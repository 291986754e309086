package org.replicator.agent.role;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.replicator.agent.journal.Journal;
import org.replicator.agent.journal.JournalEntry;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.path.RelPath;
import org.replicator.core.role.Epoch;

/**
 * Keeps a superseded master's own changes: before the node rejoins as a slave (and the new master's
 * catch-up makes its docroot equal to the new master's), every file changed on it after the last
 * change the new master acknowledged is copied to {@code <state_dir>/kept-aside/<epoch>/<path>},
 * where {@code epoch} is the one this node was master of. An operator reviews and reapplies them
 * (docs/operations.md). A {@code <epoch>.manifest} file beside the directory lists the paths and the reason.
 *
 * <p>"Changed after": the inode's ctime (which no tool can set back, unlike mtime) is later than
 * the creation of the last batch the new master acknowledged, read from this node's journal, less
 * {@link #MARGIN_MILLIS} for a change still in the coalescer when that batch closed. It errs on the
 * side of copying: a file changed just before that batch may be kept aside too. Excluded paths and
 * {@code .replicator/} are never copied (they are not replicated, so catch-up never touches them).
 *
 * <p>Runs once, on the thread that moves the role, after the master agent stopped and before the
 * slave agent starts: nothing else writes the state_dir then. Streams the tree (bounded memory).
 */
public final class KeptAside {
  /** Twice a generous coalescer window plus clock granularity; the cost of a larger margin is only noise. */
  static final long MARGIN_MILLIS = 5_000;
  public static final String DIR = "kept-aside";
  /** How the manifest names a path deleted here after the cut-off. */
  public static final String DELETED_PREFIX = "deleted: ";

  /**
   * What was kept: the directory (null when nothing), the paths, a note when nothing could be
   * judged, and the paths deleted here after the cut-off ({@link KeptDeletions}: only named, in the
   * manifest) with how many more were left out of that list.
   */
  public record Result(Path dir, List<String> paths, String note, List<String> deleted, long deletedOmitted) {
    public Result(Path dir, List<String> paths, String note) {
      this(dir, paths, note, List.of(), 0);
    }
  }

  private KeptAside() {}

  /**
   * @param newMaster the node whose acknowledgement marks the cut-off
   * @param ownEpoch the epoch this node was master of
   */
  public static Result collect(Path stateDir, Path docroot, ExcludeMatcher excludes, String newMaster, Epoch ownEpoch,
      Journal.Settings journalSettings) throws IOException {
    Long cutoff = cutoffMillis(stateDir.resolve("journal"), journalSettings, newMaster);
    KeptDeletions.Found deleted = KeptDeletions.find(stateDir, docroot, excludes, newMaster, journalSettings, true);
    if (cutoff == null) {
      // Nothing tells which changes reached the new master: keep every file aside rather than
      // guess (no data loss comes first; GOALS.md).
      Result all = copyChangedSince(stateDir, docroot, excludes, ownEpoch, Long.MIN_VALUE, deleted);
      return new Result(all.dir(), all.paths(), "this node's journal does not say what '" + newMaster
          + "' had received, so every file of the docroot was kept aside" + (all.dir() == null ? "" : " in " + all.dir()),
          all.deleted(), all.deletedOmitted());
    }
    return copyChangedSince(stateDir, docroot, excludes, ownEpoch, cutoff, deleted);
  }

  /**
   * A planned handover: changes since {@code sinceMillis} are copied; deletions are those the
   * journal holds after the last batch {@code newMaster} acknowledged.
   */
  public static Result collectSince(Path stateDir, Path docroot, ExcludeMatcher excludes, String newMaster, Epoch ownEpoch,
      Journal.Settings journalSettings, long sinceMillis) throws IOException {
    KeptDeletions.Found deleted = KeptDeletions.find(stateDir, docroot, excludes, newMaster, journalSettings, false);
    return copyChangedSince(stateDir, docroot, excludes, ownEpoch, sinceMillis, deleted);
  }

  /**
   * The time after which a change may be missing on {@code newMaster}, or null when the journal
   * does not say: the creation of the last batch it acknowledged (less the margin); else the
   * acknowledgement's own time (less a wider one, since that batch was pruned); else the oldest
   * batch the journal still holds (it holds every batch some slave has not acknowledged).
   */
  static Long cutoffMillis(Path journalDir, Journal.Settings settings, String newMaster) throws IOException {
    if (!Files.isDirectory(journalDir)) {
      return null;
    }
    try (Journal journal = Journal.open(journalDir, settings, 1)) {
      long acked = journal.ackedSeq(newMaster);
      if (acked > 0 && journal.covers(acked - 1)) {
        try (Journal.Reader r = journal.reader(acked - 1)) {
          JournalEntry e = r.next();
          if (e != null && e.seq() == acked) {
            return e.createdAtMillis() - MARGIN_MILLIS;
          }
        }
      }
      Path ackFile = journalDir.resolve("acked-" + newMaster);
      if (acked >= 0 && Files.exists(ackFile)) {
        return Files.getLastModifiedTime(ackFile).toMillis() - 12 * MARGIN_MILLIS;
      }
      if (journal.lastSeq() > journal.floor()) {
        try (Journal.Reader r = journal.reader(journal.floor())) {
          JournalEntry e = r.next();
          if (e != null) {
            return e.createdAtMillis() - MARGIN_MILLIS;
          }
        }
      }
      return null;
    }
  }

  static Result copyChangedSince(Path stateDir, Path docroot, ExcludeMatcher excludes, Epoch ownEpoch, long sinceMillis) throws IOException {
    return copyChangedSince(stateDir, docroot, excludes, ownEpoch, sinceMillis, KeptDeletions.Found.NONE);
  }

  static Result copyChangedSince(Path stateDir, Path docroot, ExcludeMatcher excludes, Epoch ownEpoch, long sinceMillis,
      KeptDeletions.Found deleted) throws IOException {
    Path root = stateDir.resolve(DIR);
    Path target = root.resolve(Long.toString(ownEpoch.number()));
    for (int n = 2; Files.exists(target); n++) {
      target = root.resolve(ownEpoch.number() + "." + n); // an earlier step-down of the same epoch keeps its copies
    }
    Path dest = target;
    List<String> kept = new ArrayList<>();
    Files.walkFileTree(docroot, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        String rel = rel(docroot, dir);
        if (!rel.isEmpty() && (rel.equals(RelPath.RESERVED) || excludes.excluded(rel, true))) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        String rel = rel(docroot, file);
        if (excludes.excluded(rel, false) || !(attrs.isRegularFile() || attrs.isSymbolicLink())) {
          return FileVisitResult.CONTINUE;
        }
        FileTime ctime = (FileTime) Files.getAttribute(file, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
        if (sinceMillis != Long.MIN_VALUE && ctime.toMillis() < sinceMillis) {
          return FileVisitResult.CONTINUE;
        }
        Path copy = dest.resolve(rel);
        Files.createDirectories(copy.getParent());
        keep(file, copy, attrs);
        kept.add(rel);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        throw new IOException(file + ": cannot read it to keep it aside: " + e.getMessage(), e);
      }
    });
    if (kept.isEmpty() && deleted.isEmpty()) {
      return new Result(null, List.of(), null);
    }
    // Also when only deletions were found: status lists the directories, the manifest is beside one.
    Files.createDirectories(dest);
    StringBuilder manifest = new StringBuilder()
        .append("# Changed on this node while it was master of epoch ").append(ownEpoch.number())
        .append(sinceMillis == Long.MIN_VALUE ? " (every file: nothing told what the new master had received)"
            : ", after the last change the new master surely had (ctime since " + java.time.Instant.ofEpochMilli(sinceMillis) + ")")
        .append(".\n# Copied before the node rejoined as a slave; the docroot now follows the new master.\n")
        .append("# Review each file and reapply it on the current master (docs/operations.md).\n");
    kept.forEach(p -> manifest.append(p).append('\n'));
    if (!deleted.isEmpty()) {
      manifest.append("# Deleted (or renamed away) on this node after the cut-off; catch-up brought them back from the new master.\n")
          .append("# Delete them again on the current master if the deletion was meant.\n");
      deleted.paths().forEach(p -> manifest.append(DELETED_PREFIX).append(p).append('\n'));
      if (deleted.omitted() > 0) {
        manifest.append("# ... and ").append(deleted.omitted()).append(" more deleted paths not listed (list capped at ")
            .append(KeptDeletions.MAX_PATHS).append(")\n");
      }
    }
    // Beside the tree, not in it: a docroot may hold a file of any name.
    Files.writeString(dest.resolveSibling(dest.getFileName() + ".manifest"), manifest.toString(), StandardCharsets.UTF_8);
    return new Result(dest, List.copyOf(kept), null, deleted.paths(), deleted.omitted());
  }

  /**
   * A copy, never a hard link: a link would raise the docroot file's link count, which the scanner
   * reads as a hard-link group the day this node is master again.
   */
  private static void keep(Path file, Path copy, BasicFileAttributes attrs) throws IOException {
    Files.copy(file, copy, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
  }

  private static String rel(Path root, Path p) {
    return root.relativize(p).toString().replace('\\', '/');
  }

  /** Every kept-aside directory of the node (status), oldest epoch first. */
  public static List<String> list(Path stateDir) {
    Path root = stateDir.resolve(DIR);
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (var s = Files.list(root)) {
      return s.filter(Files::isDirectory).map(Path::toString).sorted().toList();
    } catch (IOException | UncheckedIOException e) {
      return List.of(root + " (cannot list: " + e.getMessage() + ")");
    }
  }
}
