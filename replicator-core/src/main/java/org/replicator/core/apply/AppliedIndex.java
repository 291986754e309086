package org.replicator.core.apply;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;
import org.replicator.core.op.Op;
import org.replicator.core.path.RelPath;
import org.replicator.core.scan.ScanResult;
import org.replicator.core.scan.Scanner;

/**
 * The slave's index kept true to its disk while the {@link Applier} changes it: each applied op is
 * read back (stat, and a hash where the op does not say it), a patch is checked against the
 * version it was made for before anything is written, and a rescan brings the index back to what
 * the disk holds before the slave lists it to the master.
 *
 * <p>Every read goes through the applier's confined walk or the scanner, never around them: a
 * hostile master must not learn about files outside the docroot. Does not save the index (the
 * caller decides when) nor talk to the master. Not thread-safe: the slave's apply thread owns it.
 */
public final class AppliedIndex {
  private final Index index;
  private final Scanner scanner;
  private final Applier applier;

  public AppliedIndex(Index index, Scanner scanner, Applier applier) {
    this.index = index;
    this.scanner = scanner;
    this.applier = applier;
  }

  public Index index() {
    return index;
  }

  /**
   * A patch applies only to the version the master meant. What this slave installed is in its
   * index with the stat it had then: an unchanged stat and the expected hash are proof enough
   * without reading the file. A file touched since (same size) is hashed to find out. The patched
   * result is verified by hash anyway; this check turns a wrong basis into a clear failure (and a
   * whole-file resend) before anything is written.
   *
   * @throws ApplyException {@link ApplyException.Kind#BASIS_MISMATCH} naming what the slave has
   */
  public void verifyBasis(Op.PutFile put) throws ApplyException {
    Op.Basis basis = put.basis();
    Entry known = index.get(put.path());
    // Through the applier's confined walk: a basis behind a symlinked parent is refused before
    // its size or content is looked at (a hostile master must not learn about files outside).
    BasicFileAttributes here = applier.basisStat(put.path());
    if (here != null && here.isRegularFile() && here.size() == basis.size()) {
      boolean recorded = false;
      if (known != null && known.hash() == basis.hash()) {
        try {
          Entry onDisk = scanner.stat(put.path());
          recorded = onDisk != null && onDisk.sameStat(known);
        } catch (IOException e) {
          recorded = false; // hash it instead
        }
      }
      if (recorded || applier.basisHash(put.path()) == basis.hash()) {
        return;
      }
    }
    String have = here == null ? "no file" : here.isSymbolicLink() ? "a symlink" : here.isDirectory() ? "a dir"
        : !here.isRegularFile() ? "a special file" : "a " + here.size() + "-byte file of another content";
    throw new ApplyException(ApplyException.Kind.BASIS_MISMATCH, "PutFile", put.path(),
        "patch expects the " + basis.size() + "-byte version " + String.format(Locale.ROOT, "%016x", basis.hash())
            + " but this slave has " + have + "; old file kept, the master sends it again");
  }

  /**
   * {@code op} (anything but a {@link Op.PutFile}, whose install is {@link #installed}) was applied:
   * the index follows. Moves and hard links keep the hash they had; a new file is hashed.
   */
  public void applied(Op op) throws IOException {
    if (op instanceof Op.Delete d) {
      index.removeSubtree(d.path());
    } else if (op instanceof Op.Move m) {
      Entry moved = index.get(m.from());
      index.removeSubtree(m.path());
      if (moved != null) {
        index.moveSubtree(m.from(), m.path());
      }
      restat(m.path(), moved);
    } else if (op instanceof Op.Hardlink h) {
      restat(h.path(), index.get(h.existing()));
    } else if (op instanceof Op.SetMeta s) {
      restat(s.path(), index.get(s.path()));
    } else {
      restat(op.path(), null); // Mkdir, Symlink
    }
  }

  private void restat(String path, Entry hashFrom) throws IOException {
    Entry now = scanner.stat(path);
    if (now == null) {
      index.removeSubtree(path);
      return;
    }
    long hash = hashFrom != null ? hashFrom.hash() : 0;
    if (now.type() == EntryType.FILE && hashFrom == null) {
      try {
        hash = applier.basisHash(path); // read through the confined walk, like every slave read
      } catch (ApplyException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
    index.put(now.withHash(hash));
  }

  /**
   * A put of {@code path} with content {@code hash} was installed (at once, or later in parallel
   * sync): recorded with its stat now. False when the file is already gone again.
   */
  public boolean installed(String path, long hash) throws IOException {
    Entry now = scanner.stat(path);
    if (now == null) {
      return false;
    }
    index.put(now.withHash(hash));
    return true;
  }

  /**
   * The index of {@code subtree} only, brought back to the disk: after a directory swap, whose ops
   * were recorded against the live path while they built the copy.
   */
  public void rescan(String subtree) throws IOException {
    ScanResult result;
    try {
      result = scanner.scan(subtree, index);
    } catch (NoSuchFileException e) {
      index.removeSubtree(subtree);
      return;
    }
    Set<String> seen = new HashSet<>();
    for (Entry e : result.entries()) {
      if (!e.path().isEmpty() && RelPath.isSameOrUnder(e.path(), subtree)) {
        index.put(e);
        seen.add(e.path());
      }
    }
    for (Entry old : List.copyOf(index.subtree(subtree))) {
      if (!seen.contains(old.path()) && !result.isUnknown(old.path())) {
        index.remove(old.path());
      }
    }
  }

  /**
   * Brings the index back to what the disk holds (stat only; changed files are hashed again).
   * Entries the scan could not judge (an unreadable directory) are kept as they were.
   */
  public void rescan() throws IOException {
    ScanResult result = scanner.scan("", index);
    Index fresh = new Index();
    for (Entry e : result.entries()) {
      if (!e.path().isEmpty()) {
        fresh.put(e);
      }
    }
    for (Entry old : index.entries()) {
      if (result.isUnknown(old.path()) && fresh.get(old.path()) == null) {
        fresh.put(old);
      }
    }
    for (Entry old : List.copyOf(index.entries())) {
      if (fresh.get(old.path()) == null) {
        index.remove(old.path());
      }
    }
    for (Entry e : fresh.entries()) {
      index.put(e);
    }
  }
}
