package org.replicator.core.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.replicator.core.apply.ApplyException.Kind;
import org.replicator.core.op.Op;
import org.replicator.core.path.RelPath;

/**
 * A plugin or theme directory replaced in one step. Within a batch, every op at or under a swap
 * root ({@link SwapPatterns}) is applied to a copy of the root built beside it, the hidden sibling
 * {@code <parent>/.replicator-swap.<name>} (same directory, so same file system, and a dot name
 * that WordPress's plugin and theme scans skip); at the end of the batch the copy and the live
 * directory trade places with one {@code renameat2(RENAME_EXCHANGE)}, and the old version, now
 * under the sibling's name, is removed. A reader listing and reading the directory sees the old
 * version or the new one, never a mix.
 *
 * <p>The copy starts empty when the batch deletes the root first (WordPress's upgrader removes a
 * plugin's directory, then copies the new version in); otherwise it starts as a <b>hard-link
 * clone</b> of the live directory: unchanged files cost no byte on disk and no read. That is safe
 * because the applier never writes into an existing file: a put or patch builds a new inode and
 * renames it over the name, a delete unlinks the name. The one in-place change, a {@link
 * Op.SetMeta} on a file, first gives the copy a private inode ({@link #route}), so the live
 * version keeps its mode and times.
 *
 * <p>Durability: files put into the copy are fsync'd by the applier as everywhere; before the
 * exchange every directory of the copy is fsync'd (the clone's entries), after it the parent.
 * Only then does the batch end and get acknowledged.
 *
 * <p>Where the kernel or the file system refuses the exchange ({@link Exchanger#exchange} false:
 * no renameat2, EINVAL), the swap is off for the rest of the run: the applier goes on per file, as
 * before, and the listener says so once ({@link ApplyListener#swapUnavailable}). Checked before the
 * first copy is built, on two empty directories.
 *
 * <p>Confinement: a root whose parents or itself are not real directories (a symlink planted in
 * the docroot) is not swapped (ops go through the applier's confined walk, which refuses them); a
 * master op naming a staging sibling is refused as an unsafe path. The clone walks without
 * following symlinks and links only regular files.
 *
 * <p>Threads: the applier's thread only.
 */
public final class DirectorySwap {
  /** Prefix of the sibling a new version is built in. */
  public static final String STAGING_PREFIX = ".replicator-swap.";

  /** Exchanges two directories of one file system atomically. */
  @FunctionalInterface
  public interface Exchanger {
    /** Never exchanges: every batch is applied per file. */
    Exchanger NONE = (a, b) -> false;

    /** True once {@code a} and {@code b} traded places; false when the kernel or file system does not support it. */
    boolean exchange(Path a, Path b) throws IOException;
  }

  private final Path docroot;
  private final SwapPatterns patterns;
  private final Exchanger exchanger;
  private final boolean fsync;
  private final ApplyListener listener;
  /** Null until probed; then whether exchanges work on the docroot's file system. */
  private Boolean supported;
  /** Swap roots of the open batch with their state, in the order they were first touched. */
  private final Map<String, Staged> staged = new LinkedHashMap<>();
  /** Roots exchanged in the open batch (also those completed early by a move across their edge). */
  private final List<String> swapped = new ArrayList<>();

  /** A swap root being rebuilt: whether the batch deleted it and whether anything was built since. */
  private static final class Staged {
    final String staging;
    boolean deleted;
    boolean built;

    Staged(String staging) {
      this.staging = staging;
    }
  }

  public DirectorySwap(Path docroot, SwapPatterns patterns, Exchanger exchanger, boolean fsync, ApplyListener listener) {
    this.docroot = docroot;
    this.patterns = patterns;
    this.exchanger = exchanger;
    this.fsync = fsync;
    this.listener = listener;
  }

  SwapPatterns patterns() {
    return patterns;
  }

  /** Whether a segment of {@code path} is a staging name: the slave's own, never the master's (those are refused). */
  public static boolean isUnderStaging(String path) {
    return path.startsWith(STAGING_PREFIX) || path.contains("/" + STAGING_PREFIX);
  }

  /** The sibling a new version of {@code root} is built in. */
  public static String stagingOf(String root) {
    return RelPath.join(RelPath.parent(root), STAGING_PREFIX + RelPath.name(root));
  }

  /**
   * The op to apply in place of {@code op}: the same op with its paths moved into the copy of
   * their swap root, {@code op} itself when no swap applies, or null when the swap absorbs it (the
   * delete of a root: the live version stays until the exchange).
   */
  public Op route(Op op) throws ApplyException {
    refuseStagingNames(op);
    if (patterns.isEmpty() || Boolean.FALSE.equals(supported)) {
      return op;
    }
    String root = patterns.rootOf(op.path());
    String fromRoot = op instanceof Op.Move m ? patterns.rootOf(m.from()) : root;
    if (root == null && fromRoot == null) {
      if (op instanceof Op.Delete || op instanceof Op.Move) {
        // Only these reach into what is under their path; a set-meta of the parent does not.
        completeUnder(op instanceof Op.Move m ? m.from() : op.path(), op instanceof Op.Delete);
      }
      return op;
    }
    if (op instanceof Op.Move m && !Objects.equals(root, fromRoot)) {
      // A move across a root's edge: the roots it touches are completed first, then it is applied
      // live (a rare shape: the upgrader copies, and a plugin renamed as a whole is one move).
      finishRoot(root);
      finishRoot(fromRoot);
      return op;
    }
    if (op.path().equals(root) && (op instanceof Op.PutFile || op instanceof Op.Symlink || op instanceof Op.Hardlink)) {
      // A file or link named like a root (wp-content/plugins/index.php, hello.php): nothing to
      // swap, its install is atomic by itself (temp file, rename). Staging it would show a
      // '.replicator-swap.index.php' beside it. A copy of a directory of that name staged earlier
      // in the batch is completed first, keeping the ops in order.
      finishRoot(root);
      return op;
    }
    if (op instanceof Op.Delete && op.path().equals(root)) {
      Staged s = stage(root, true);
      if (s != null) {
        return null;
      }
      return op;
    }
    Staged s = stage(root, false);
    if (s == null) {
      return op;
    }
    s.built = true;
    Op routed = rewrite(op, root, s.staging);
    if (routed instanceof Op.SetMeta meta) {
      ownInode(meta.path());
    }
    return routed;
  }

  /**
   * An op on an ancestor of staged roots (a delete or move of {@code wp-content/plugins} itself):
   * the roots under it are completed first, or dropped when it is deleted anyway.
   */
  private void completeUnder(String ancestor, boolean deleted) throws ApplyException {
    for (String root : new ArrayList<>(staged.keySet())) {
      if (RelPath.isSameOrUnder(root, ancestor)) {
        if (deleted) {
          removeQuietly(staged.remove(root).staging);
        } else {
          finishRoot(root);
        }
      }
    }
  }

  /** Whether {@code dir} (absolute) is inside a staging sibling of this batch: the applier forgets it after the exchange. */
  public boolean isStaging(Path dir) {
    for (Staged s : staged.values()) {
      if (dir.startsWith(docroot.resolve(s.staging))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The roots this batch deleted and did not rebuild: their copies are dropped, and the caller
   * deletes them live, as without swaps. Call first at the end of a batch.
   */
  public List<Op.Delete> deletesToApplyLive() {
    List<Op.Delete> live = new ArrayList<>();
    for (String root : new ArrayList<>(staged.keySet())) {
      Staged s = staged.get(root);
      if (s.deleted && !s.built) {
        staged.remove(root);
        removeQuietly(s.staging);
        live.add(new Op.Delete(root));
      }
    }
    return live;
  }

  /**
   * Ends the batch: every rebuilt root trades places with its copy (or appears, when new), in the
   * order the batch first touched them; {@link #takeSwapped} then says which were swapped (also
   * when one failed: the old version of that one stays, the copies of the rest are dropped).
   */
  public void finish() throws ApplyException {
    try {
      for (String root : new ArrayList<>(staged.keySet())) {
        finishRoot(root);
      }
    } finally {
      abort();
    }
  }

  /** The roots exchanged since the last call. */
  public List<String> takeSwapped() {
    List<String> done = List.copyOf(swapped);
    swapped.clear();
    return done;
  }

  /** Abandons the batch's copies (the batch failed or the connection went): the live versions stay. */
  public void abort() {
    for (Staged s : staged.values()) {
      removeQuietly(s.staging);
    }
    staged.clear();
  }

  private void finishRoot(String root) throws ApplyException {
    if (root == null) {
      return;
    }
    Staged s = staged.remove(root);
    if (s == null) {
      return;
    }
    Path live = docroot.resolve(root);
    Path copy = docroot.resolve(s.staging);
    try {
      if (fsync) {
        syncTree(copy);
      }
      BasicFileAttributes there = ConfinedTree.lstat(live);
      if (there == null) {
        Files.move(copy, live, StandardCopyOption.ATOMIC_MOVE); // a new plugin: appears whole
      } else if (!ConfinedTree.isRealDirectory(there)) {
        throw new ApplyException(Kind.CONFLICT, "Swap", root, "became a " + (there.isSymbolicLink() ? "symlink" : "file")
            + " while its new version was built; old version kept, the new one discarded");
      } else if (!exchanger.exchange(copy, live)) {
        throw new ApplyException(Kind.IO, "Swap", root, "the kernel refused the exchange after it had been accepted; old version kept");
      }
      swapped.add(root);
      listener.directorySwapped(root);
    } catch (IOException e) {
      removeQuietly(s.staging);
      throw ApplyException.io("Swap", root, e, "old version kept");
    } catch (ApplyException e) {
      removeQuietly(s.staging);
      throw e;
    }
    // The old version, now under the sibling's name. The parent's mtime (bumped by the sibling,
    // the exchange and this removal) and its fsync are the applier's, at the end of the batch.
    removeQuietly(s.staging);
  }

  /** The swap root {@code path} is at or under, or null. */
  public String rootOf(String path) {
    return patterns.isEmpty() || Boolean.FALSE.equals(supported) ? null : patterns.rootOf(path);
  }

  /** The copy of {@code root} for this batch, made on first use; null when this root is not swapped. */
  private Staged stage(String root, boolean deleting) throws ApplyException {
    Staged s = staged.get(root);
    if (s != null) {
      if (deleting) {
        s.deleted = true;
        s.built = false;
        emptyCopy(root, s.staging);
      }
      return s;
    }
    if (!realParents(root)) {
      return null; // not ours to swap: the confined walk decides (and refuses a symlinked parent)
    }
    Path live = docroot.resolve(root);
    BasicFileAttributes there;
    try {
      there = ConfinedTree.lstat(live);
    } catch (IOException e) {
      throw ApplyException.io("Swap", root, e, "nothing written");
    }
    if (there != null && !ConfinedTree.isRealDirectory(there)) {
      return null; // a file or symlink where a directory is expected: per file, confined
    }
    if (!probe()) {
      return null;
    }
    s = new Staged(stagingOf(root));
    staged.put(root, s);
    s.deleted = deleting;
    if (deleting || there == null) {
      emptyCopy(root, s.staging);
      if (there != null) {
        try {
          copyDirectoryMetadata(live, docroot.resolve(s.staging));
        } catch (IOException e) {
          staged.remove(root);
          removeQuietly(s.staging);
          throw ApplyException.io("Swap", root, e, "old version kept");
        }
      }
    } else {
      try {
        removeQuietly(s.staging); // a leftover of a crash mid-batch: that batch was never acknowledged
        cloneTree(live, docroot.resolve(s.staging));
      } catch (IOException e) {
        // e.g. a hard link refused (an agent not running as root, protected_hardlinks): this
        // directory's update goes file by file, as without swaps; nothing was changed yet.
        staged.remove(root);
        removeQuietly(s.staging);
        listener.swapSkipped(root, "cannot clone it for the new version: " + e);
        return null;
      }
    }
    return s;
  }

  private void emptyCopy(String root, String staging) throws ApplyException {
    try {
      Path copy = docroot.resolve(staging);
      TempFiles.deleteTree(copy);
      Files.createDirectory(copy);
    } catch (IOException e) {
      staged.remove(root);
      throw ApplyException.io("Swap", root, e, "old version kept");
    }
  }

  /** Asks the kernel once, on two empty directories in the staging area, whether exchanges work here. */
  private boolean probe() {
    if (supported == null) {
      Path a = docroot.resolve(RelPath.RESERVED).resolve(TempFiles.TMP).resolve("swap-probe-a");
      Path b = a.resolveSibling("swap-probe-b");
      String why = null;
      try {
        TempFiles.deleteTree(a);
        TempFiles.deleteTree(b);
        Files.createDirectory(a);
        Files.createDirectory(b.toAbsolutePath());
        Files.createFile(a.resolve("a"));
        supported = exchanger.exchange(a, b) && Files.exists(b.resolve("a"), LinkOption.NOFOLLOW_LINKS);
        if (!supported) {
          why = "renameat2(RENAME_EXCHANGE) is not supported by this kernel or file system";
        }
      } catch (IOException e) {
        supported = false;
        why = e.toString();
      } finally {
        removeQuietly(a);
        removeQuietly(b);
      }
      if (!supported) {
        listener.swapUnavailable(why);
      }
    }
    return supported;
  }

  private boolean realParents(String root) {
    String parent = RelPath.parent(root);
    Path at = docroot;
    if (parent.isEmpty()) {
      return true;
    }
    for (String seg : parent.split("/")) {
      at = at.resolve(seg);
      try {
        if (!ConfinedTree.isRealDirectory(ConfinedTree.lstat(at))) {
          return false;
        }
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  private static Op rewrite(Op op, String root, String staging) {
    if (op instanceof Op.Mkdir m) {
      return new Op.Mkdir(moved(m.path(), root, staging), m.meta());
    } else if (op instanceof Op.PutFile p) {
      return new Op.PutFile(moved(p.path(), root, staging), p.size(), p.meta(), p.basis());
    } else if (op instanceof Op.Symlink l) {
      return new Op.Symlink(moved(l.path(), root, staging), l.target(), l.meta());
    } else if (op instanceof Op.Hardlink h) {
      return new Op.Hardlink(moved(h.path(), root, staging), moved(h.existing(), root, staging));
    } else if (op instanceof Op.Delete d) {
      return new Op.Delete(moved(d.path(), root, staging));
    } else if (op instanceof Op.Move m) {
      return new Op.Move(moved(m.from(), root, staging), moved(m.path(), root, staging));
    } else if (op instanceof Op.SetMeta s) {
      return new Op.SetMeta(moved(s.path(), root, staging), s.meta());
    }
    throw new IllegalArgumentException("unknown op " + op);
  }

  private static String moved(String path, String root, String staging) {
    return RelPath.isSameOrUnder(path, root) ? staging + path.substring(root.length()) : path;
  }

  private static void refuseStagingNames(Op op) throws ApplyException {
    refuseStagingName(op, op.path());
    if (op instanceof Op.Move m) {
      refuseStagingName(op, m.from());
    } else if (op instanceof Op.Hardlink h) {
      refuseStagingName(op, h.existing());
    }
  }

  private static void refuseStagingName(Op op, String path) throws ApplyException {
    for (String seg : path.split("/")) {
      if (seg.startsWith(STAGING_PREFIX)) {
        throw new ApplyException(Kind.UNSAFE_PATH, op.getClass().getSimpleName(), path,
            "names starting with " + STAGING_PREFIX + " are the slave's own (directory swaps); nothing written");
      }
    }
  }

  /** A set-meta on a hard-linked clone would change the live version too: give the copy its own inode first. */
  private void ownInode(String rel) throws ApplyException {
    Path p = docroot.resolve(rel);
    try {
      BasicFileAttributes a = ConfinedTree.lstat(p);
      if (a == null || !a.isRegularFile() || ((Number) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue() < 2) {
        return;
      }
      Path own = p.resolveSibling(STAGING_PREFIX + "own." + p.getFileName());
      Files.copy(p, own, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
      if (fsync) {
        try (FileChannel ch = FileChannel.open(own, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
      }
      Files.move(own, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException | UnsupportedOperationException e) {
      throw ApplyException.io("SetMeta", rel, e instanceof IOException io ? io : new IOException(e), "old version kept");
    }
  }

  /** Hard-link clone: directories made anew with their mode and times, regular files linked, symlinks copied. */
  private static void cloneTree(Path from, Path to) throws IOException {
    Files.walkFileTree(from, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
        Files.createDirectory(to.resolve(from.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Path target = to.resolve(from.relativize(file).toString());
        if (attrs.isSymbolicLink()) {
          Path link = Files.createSymbolicLink(target, Files.readSymbolicLink(file));
          Files.getFileAttributeView(link, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
              .setTimes(attrs.lastModifiedTime(), null, null);
        } else if (attrs.isRegularFile()) {
          Files.createLink(target, file);
        } // sockets, fifos, devices: never replicated, not copied
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        copyDirectoryMetadata(dir, to.resolve(from.relativize(dir).toString()));
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static void copyDirectoryMetadata(Path from, Path to) throws IOException {
    Files.setPosixFilePermissions(to, Files.getPosixFilePermissions(from, LinkOption.NOFOLLOW_LINKS));
    try {
      Files.setAttribute(to, "unix:uid", Files.getAttribute(from, "unix:uid", LinkOption.NOFOLLOW_LINKS), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(to, "unix:gid", Files.getAttribute(from, "unix:gid", LinkOption.NOFOLLOW_LINKS), LinkOption.NOFOLLOW_LINKS);
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      // Not root: the copy belongs to the agent's user, as every directory it creates does.
    }
    FileTime mtime = Files.getLastModifiedTime(from, LinkOption.NOFOLLOW_LINKS);
    Files.setLastModifiedTime(to, mtime);
  }

  private static void syncTree(Path root) throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Fsync.directory(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private void removeQuietly(String rel) {
    removeQuietly(docroot.resolve(rel));
  }

  private static void removeQuietly(Path p) {
    try {
      TempFiles.deleteTree(p);
    } catch (IOException e) {
      // A leftover sibling is removed by the next batch that swaps this root, or by the next start().
    }
  }
}
