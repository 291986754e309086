package org.replicator.core.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.replicator.core.apply.ApplyException.Kind;
import org.replicator.core.delta.BasisSource;
import org.replicator.core.op.Op;
import org.replicator.core.path.RelPath;

/**
 * The slave side of replication: applies {@link Op}s to a docroot so that a reader sees every path
 * either in its old or in its new version, never a mix.
 *
 * <p>Every new file, symlink, hard link and directory is first made under a unique name in {@code
 * <docroot>/.replicator/tmp} (see {@link TempFiles}), given its metadata and, for files, fsync'd,
 * then renamed into place with {@code ATOMIC_MOVE}. A type change (a file where a directory was or
 * the reverse) deletes the old thing first. Directories that changed are fsync'd once per batch, in
 * {@link #endBatch}, after the mtimes of directories this batch created or changed are set again
 * (creating and renaming their children bumped them); mtimes come first so that they are part of
 * what the fsync makes durable.
 *
 * <p>Confinement is {@link PathGuard}'s job: nothing outside the docroot is ever written, whatever
 * the peer sends, and nothing under {@code .replicator} but the temp dir. Its class doc describes
 * the remaining race (a local user swapping a checked parent for a symlink before the rename).
 *
 * <p>What it does not do: decide anything about ordering, persist batch numbers or ACK (the
 * receiver does, after {@link #endBatch}), or check the docroot marker ({@link DocrootMarker}).
 *
 * <p>Threads: single-threaded. One applier thread owns an instance and makes every call, sinks
 * included; nothing here is synchronized.
 */
public final class Applier implements AutoCloseable {
  private final ApplierOptions options;
  private final ApplyListener listener;
  private final PathGuard guard;
  private final TempFiles temp;
  private final MetadataWriter metadata;
  private final TempFileSink.Installer installer = new Installer();

  private boolean started;
  private boolean closed;
  private long batch = -1;
  private boolean inBatch;
  /** Directories whose entries changed in this batch: fsync'd at its end. */
  private final Set<Path> touchedDirs = new LinkedHashSet<>();
  /** Directories this batch created or set metadata on, with their wanted mtime. */
  private final Map<String, Long> dirMtimes = new HashMap<>();
  /**
   * mtimes of parent directories before this batch first changed their entries: restored at the
   * end unless the batch sets them itself, so that applying never leaves a directory with the
   * slave's own time (a put into an unchanged directory must not make it differ from the master).
   */
  private final Map<String, Long> originalMtimes = new HashMap<>();
  private final Set<TempFileSink> openSinks = new LinkedHashSet<>();
  /** Parallel-sync mode: the pool, and verified puts waiting for their fsync, in op order. */
  private java.util.concurrent.ExecutorService syncPool;
  private final java.util.ArrayDeque<PendingPut> pendingPuts = new java.util.ArrayDeque<>();
  private static final int MAX_PENDING_PUTS = 64;

  private record PendingPut(Op.PutFile op, Path temp, java.util.concurrent.Future<?> synced) {}

  public Applier(Path docroot, ApplierOptions options, ApplyListener listener) {
    this.options = Objects.requireNonNull(options, "options");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.guard = new PathGuard(Objects.requireNonNull(docroot, "docroot"));
    this.temp = new TempFiles(docroot);
    this.metadata = new MetadataWriter(options.applyOwners());
  }

  /**
   * Parallel-sync mode: a committed put's fsync runs on {@code pool} while the next files arrive;
   * verified puts are renamed into place in op order before any other op, before the 65th pending
   * put and at the end of the batch. Success and failure of those installs are reported through
   * {@link ApplyListener#applied} and {@link ApplyListener#putFailed}. A reader still never sees a
   * partial file: a file is renamed into place only after its fsync.
   */
  public void syncInParallel(java.util.concurrent.ExecutorService pool) {
    this.syncPool = pool;
  }

  /** Installs every pending put (parallel-sync mode); a no-op otherwise. */
  public void installPending() {
    PendingPut p;
    while ((p = pendingPuts.pollFirst()) != null) {
      try {
        try {
          p.synced().get();
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable cause = e.getCause();
          throw ApplyException.io("PutFile", p.op().path(),
              cause instanceof IOException io ? io : new IOException(String.valueOf(cause), cause), "old file kept");
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw ApplyException.io("PutFile", p.op().path(), new java.io.InterruptedIOException("interrupted"), "old file kept");
        }
        installer.install(p.op(), p.temp());
      } catch (ApplyException e) {
        TempFiles.deleteQuietly(p.temp(), e);
        listener.putFailed(p.op(), e);
      }
    }
  }

  /** Creates {@code .replicator/tmp} if needed and removes what an earlier run left in it. */
  public void start() throws IOException {
    if (!Files.isDirectory(guard.docroot())) {
      throw new java.nio.file.NotDirectoryException(guard.docroot() + " (docroot)");
    }
    int removed = temp.prepare();
    listener.leftoverTempFilesRemoved(removed);
    started = true;
  }

  public void beginBatch(long seq) {
    checkUsable();
    if (inBatch) {
      throw new IllegalStateException("batch " + batch + " is still open; cannot begin batch " + seq);
    }
    batch = seq;
    inBatch = true;
  }

  /** Applies every op except {@link Op.PutFile} (use {@link #beginPut}). */
  public void apply(Op op) throws ApplyException {
    checkInBatch();
    installPending();
    rememberParent(op.path());
    if (op instanceof Op.Move move) {
      rememberParent(move.from());
    }
    if (op instanceof Op.Mkdir mkdir) {
      mkdir(mkdir);
    } else if (op instanceof Op.Symlink symlink) {
      symlink(symlink);
    } else if (op instanceof Op.Hardlink hardlink) {
      hardlink(hardlink);
    } else if (op instanceof Op.Delete delete) {
      if (!delete(delete)) {
        return; // skipped by policy, reported as such
      }
    } else if (op instanceof Op.Move move) {
      move(move);
    } else if (op instanceof Op.SetMeta setMeta) {
      setMeta(setMeta);
    } else if (op instanceof Op.PutFile) {
      throw new IllegalArgumentException("PutFile carries content: use beginPut");
    } else {
      throw new IllegalArgumentException("unknown op " + op);
    }
    listener.applied(op, 0);
  }

  /** Starts a put; the content goes to the returned sink, which renames it into place on commit. */
  public FileSink beginPut(Op.PutFile op) throws ApplyException {
    checkInBatch();
    if (op.size() < 0) {
      throw new ApplyException(Kind.POLICY, "PutFile", op.path(), "negative size " + op.size() + "; old file kept");
    }
    guard.forExisting("PutFile", op.path()); // refuse an unsafe path before any byte is stored
    checkFreeSpace(op);
    rememberParent(op.path());
    if (pendingPuts.size() >= MAX_PENDING_PUTS) {
      installPending(); // bounds open files and temp space in flight
    }
    BasisSource basis = op.isPatch() ? openBasis(op) : null;
    TempFileSink sink = TempFileSink.open(op, temp.next("put"), metadata, options.fsync(), installer, basis);
    openSinks.add(sink);
    return sink;
  }

  /**
   * A declared size is checked against the free space of the docroot's file system before a temp
   * file exists: a master announcing more than the disk holds (by mistake or to fill it) gets a
   * NO_SPACE failure for that file at once, instead of the slave writing until the disk is full
   * and the other files of the batch fail too. Retried by the master with backoff; once space is
   * freed the file arrives. Puts still in flight in this batch are not counted: the write itself
   * still reports a full disk if they use the rest.
   */
  private void checkFreeSpace(Op.PutFile op) throws ApplyException {
    long free;
    try {
      free = Files.getFileStore(guard.docroot()).getUsableSpace();
    } catch (IOException e) {
      return; // no answer from statfs: the write will tell
    }
    if (op.size() > free) {
      throw new ApplyException(Kind.NO_SPACE, "PutFile", op.path(), "no space left on device: it is " + op.size()
          + " bytes, " + free + " are free on the slave's docroot; old file kept, retried once space is freed");
    }
  }

  /**
   * The file a patch copies from: a regular file reached through real directories, opened without
   * following a symlink, and exactly the basis's size. The hash is checked by the caller (it knows
   * what it applied there) and the result by the sink, so a wrong basis never becomes visible.
   */
  private BasisSource openBasis(Op.PutFile op) throws ApplyException {
    Path file = guard.forExisting("PutFile", op.path()).orElse(null);
    BasicFileAttributes attrs;
    try {
      attrs = file == null ? null : PathGuard.lstat(file);
    } catch (IOException e) {
      throw ApplyException.io("PutFile", op.path(), e, "old file kept");
    }
    if (attrs == null || !attrs.isRegularFile()) {
      throw new ApplyException(Kind.BASIS_MISMATCH, "PutFile", op.path(),
          "the patch's basis is " + (attrs == null ? "missing" : "not a regular file") + "; old file kept, the master sends it whole");
    }
    try {
      // NOFOLLOW: a symlink planted after the lstat fails here instead of being read through.
      FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
      BasisSource basis;
      try {
        basis = new BasisSource(channel);
      } catch (IOException e) {
        channel.close();
        throw e;
      }
      if (basis.size() != op.basis().size()) {
        TempFileSink.closeQuietly(basis);
        throw new ApplyException(Kind.BASIS_MISMATCH, "PutFile", op.path(), "the patch's basis is "
            + basis.size() + " bytes here, " + op.basis().size() + " on the master; old file kept, the master sends it whole");
      }
      return basis;
    } catch (IOException e) {
      throw ApplyException.io("PutFile", op.path(), e, "old file kept");
    }
  }

  /** Resets the mtimes of directories this batch changed (deepest first), then fsyncs touched ones. */
  public void endBatch(long seq) throws ApplyException {
    checkInBatch();
    if (seq != batch) {
      throw new IllegalStateException("endBatch(" + seq + ") but batch " + batch + " is open");
    }
    if (!openSinks.isEmpty()) {
      throw new IllegalStateException(openSinks.size() + " puts of batch " + seq + " are neither committed nor aborted");
    }
    installPending();
    try {
      restoreDirectoryMtimes();
      int synced = options.fsync() ? syncTouchedDirectories() : 0;
      listener.batchEnded(seq, synced);
    } finally {
      touchedDirs.clear();
      dirMtimes.clear();
      originalMtimes.clear();
      inBatch = false;
    }
  }

  /** Aborts puts still open (their temp files are deleted). Does not end a batch: nothing is fsync'd. */
  @Override
  public void close() {
    closed = true;
    installPending(); // verified content: finish it rather than lose it
    for (TempFileSink sink : new ArrayList<>(openSinks)) {
      sink.abort();
    }
    openSinks.clear();
  }

  private void mkdir(Op.Mkdir op) throws ApplyException {
    String name = "Mkdir";
    Path target = guard.forCreate(name, op.path(), this::parentCreated);
    Path made = null;
    try {
      BasicFileAttributes existing = PathGuard.lstat(target);
      if (PathGuard.isRealDirectory(existing)) {
        metadata.apply(target, op.meta(), false);
      } else {
        made = temp.next("dir");
        Files.createDirectory(made);
        metadata.apply(made, op.meta(), false);
        if (existing != null) {
          Files.delete(target); // a file or symlink gives way to the directory
        }
        Files.move(made, target, StandardCopyOption.ATOMIC_MOVE);
        made = null;
        touchedDirs.add(target.getParent());
      }
    } catch (IOException e) {
      throw cleanUp(ApplyException.io(name, op.path(), e, "directory not created"), made);
    }
    dirMtimes.put(op.path(), op.meta().mtimeNanos());
  }

  private void symlink(Op.Symlink op) throws ApplyException {
    String name = "Symlink";
    Path target = guard.forCreate(name, op.path(), this::parentCreated);
    Path linkTarget;
    try {
      // Stored verbatim (even absolute or with ..): we never follow it. Path parsing does collapse
      // repeated and trailing slashes, which changes no resolution.
      linkTarget = target.getFileSystem().getPath(op.target());
    } catch (InvalidPathException e) {
      throw new ApplyException(Kind.POLICY, name, op.path(), "invalid link target: " + e.getMessage() + "; nothing written", e);
    }
    if (op.target().isEmpty()) {
      throw new ApplyException(Kind.POLICY, name, op.path(), "empty link target; nothing written");
    }
    Path made = temp.next("link");
    try {
      Files.createSymbolicLink(made, linkTarget);
      metadata.apply(made, op.meta(), true);
      install(name, op.path(), made, target);
    } catch (IOException e) {
      throw cleanUp(ApplyException.io(name, op.path(), e, "old version kept"), made);
    } catch (ApplyException e) {
      throw cleanUp(e, made);
    }
  }

  private void hardlink(Op.Hardlink op) throws ApplyException {
    String name = "Hardlink";
    Path existing = guard.existingRegularFile(name, op.existing(), op.path());
    if (op.existing().equals(op.path())) {
      return; // a file is already a name of itself
    }
    Path target = guard.forCreate(name, op.path(), this::parentCreated);
    Path made = temp.next("link");
    try {
      Files.createLink(made, existing);
      install(name, op.path(), made, target);
    } catch (IOException e) {
      throw cleanUp(ApplyException.io(name, op.path(), e, "old version kept"), made);
    } catch (ApplyException e) {
      throw cleanUp(e, made);
    }
  }

  /** Returns false when the delete was skipped by policy. */
  private boolean delete(Op.Delete op) throws ApplyException {
    String name = "Delete";
    Path target = guard.forExisting(name, op.path()).orElse(null);
    if (target == null) {
      return true; // a parent is missing, so the path is too
    }
    if (!options.deleteAllowed()) {
      listener.deleteSkipped(op.path());
      return false;
    }
    try {
      BasicFileAttributes attrs = PathGuard.lstat(target);
      if (attrs != null) {
        remove(target, attrs);
      }
      return true;
    } catch (IOException e) {
      throw ApplyException.io(name, op.path(), e, "not deleted");
    }
  }

  private void move(Op.Move op) throws ApplyException {
    String name = "Move";
    Path source = guard.forExisting(name, op.from()).orElse(null);
    if (op.from().equals(op.path())) {
      return;
    }
    if (RelPath.isSameOrUnder(op.path(), op.from())) {
      throw new ApplyException(Kind.POLICY, name, op.path(), "cannot move " + RelPath.name(op.from()) + " into itself; nothing changed");
    }
    try {
      BasicFileAttributes from = source == null ? null : PathGuard.lstat(source);
      if (from == null) {
        throw new ApplyException(Kind.MISSING, name, op.path(), "source " + op.from() + " does not exist; nothing changed");
      }
      Path target = guard.forCreate(name, op.path(), this::parentCreated);
      BasicFileAttributes to = PathGuard.lstat(target);
      if (to != null && from.isRegularFile() && to.isRegularFile() && Objects.equals(from.fileKey(), to.fileKey()) && from.fileKey() != null) {
        // Two names of one inode: rename(2) would do nothing and keep the source name.
        Files.delete(source);
      } else {
        if (to != null && (PathGuard.isRealDirectory(to) || PathGuard.isRealDirectory(from))) {
          remove(target, to); // a directory is not replaced by rename unless empty: delete then move
        }
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      touchedDirs.add(source.getParent());
      touchedDirs.add(target.getParent());
    } catch (IOException e) {
      throw ApplyException.io(name, op.path(), e, "nothing changed");
    }
  }

  private void setMeta(Op.SetMeta op) throws ApplyException {
    String name = "SetMeta";
    Path target = guard.forExisting(name, op.path()).orElse(null);
    try {
      BasicFileAttributes attrs = target == null ? null : PathGuard.lstat(target);
      if (attrs == null) {
        throw new ApplyException(Kind.MISSING, name, op.path(), "path does not exist; nothing changed");
      }
      metadata.apply(target, op.meta(), attrs.isSymbolicLink());
      if (PathGuard.isRealDirectory(attrs)) {
        dirMtimes.put(op.path(), op.meta().mtimeNanos());
      }
    } catch (IOException e) {
      throw ApplyException.io(name, op.path(), e, "metadata may be partly applied");
    }
  }

  /** Renames a prepared file or link over {@code target}; a directory there is deleted first. */
  private void install(String name, String rel, Path made, Path target) throws IOException, ApplyException {
    BasicFileAttributes existing = PathGuard.lstat(target);
    if (PathGuard.isRealDirectory(existing)) {
      if (!options.deleteAllowed()) {
        throw new ApplyException(Kind.POLICY, name, rel, "a directory is in the way and deletes are disabled; directory kept");
      }
      remove(target, existing);
    }
    Files.move(made, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    // rename(2) does nothing when both names are links to one inode: drop the temp name then.
    Files.deleteIfExists(made);
    touchedDirs.add(target.getParent());
  }

  /** Deletes {@code path}; a directory is first renamed aside so that it disappears at once. */
  private void remove(Path path, BasicFileAttributes attrs) throws IOException {
    if (PathGuard.isRealDirectory(attrs)) {
      TempFiles.deleteTree(temp.moveAside(path));
    } else {
      Files.delete(path);
    }
    touchedDirs.add(path.getParent());
  }

  private void rememberParent(String path) {
    String parent = RelPath.parent(path);
    if (originalMtimes.containsKey(parent) || dirMtimes.containsKey(parent)) {
      return;
    }
    try {
      Path dir = parent.isEmpty() ? guard.docroot() : guard.forExisting("SetMeta", parent).orElse(null);
      if (dir != null) {
        BasicFileAttributes a = PathGuard.lstat(dir);
        if (PathGuard.isRealDirectory(a)) {
          java.time.Instant t = a.lastModifiedTime().toInstant();
          originalMtimes.put(parent, t.getEpochSecond() * 1_000_000_000L + t.getNano());
        }
      }
    } catch (ApplyException | IOException e) {
      // The op itself meets the same problem and reports it; nothing to remember here.
    }
  }

  private void restoreDirectoryMtimes() throws ApplyException {
    for (Map.Entry<String, Long> e : originalMtimes.entrySet()) {
      dirMtimes.putIfAbsent(e.getKey(), e.getValue());
    }
    List<Map.Entry<String, Long>> dirs = new ArrayList<>(dirMtimes.entrySet());
    dirs.sort(Comparator.comparingInt((Map.Entry<String, Long> e) -> RelPath.depth(e.getKey())).reversed());
    for (Map.Entry<String, Long> dir : dirs) {
      Path path = dir.getKey().isEmpty() ? guard.docroot() : guard.forExisting("SetMeta", dir.getKey()).orElse(null);
      try {
        // A directory deleted or moved later in the batch has nothing left to restore.
        if (path != null && PathGuard.isRealDirectory(PathGuard.lstat(path))) {
          MetadataWriter.setMtime(path, dir.getValue());
        }
      } catch (IOException e) {
        throw ApplyException.io("SetMeta", dir.getKey(), e, "directory mtime not restored");
      }
    }
  }

  private int syncTouchedDirectories() throws ApplyException {
    int synced = 0;
    for (Path dir : touchedDirs) {
      try {
        if (PathGuard.isRealDirectory(PathGuard.lstat(dir))) {
          Fsync.directory(dir);
          synced++;
        }
      } catch (IOException e) {
        String rel = guard.docroot().relativize(dir).toString();
        throw ApplyException.io("fsync", rel.isEmpty() ? "." : rel, e, "batch " + batch + " is not durable");
      }
    }
    return synced;
  }

  private void parentCreated(Path dir, String rel) {
    touchedDirs.add(dir.getParent());
    listener.parentCreated(rel);
  }

  private static ApplyException cleanUp(ApplyException failure, Path made) {
    if (made != null) {
      TempFiles.deleteQuietly(made, failure);
    }
    return failure;
  }

  private void checkUsable() {
    if (closed) {
      throw new IllegalStateException("applier is closed");
    }
    if (!started) {
      throw new IllegalStateException("applier is not started");
    }
  }

  private void checkInBatch() {
    checkUsable();
    if (!inBatch) {
      throw new IllegalStateException("no batch is open: call beginBatch first");
    }
  }

  private final class Installer implements TempFileSink.Installer {
    @Override
    public void install(Op.PutFile op, Path made) throws ApplyException {
      Path target = guard.forCreate("PutFile", op.path(), Applier.this::parentCreated);
      try {
        Applier.this.install("PutFile", op.path(), made, target);
      } catch (IOException e) {
        throw ApplyException.io("PutFile", op.path(), e, "old file kept");
      }
      listener.applied(op, op.size());
    }

    @Override
    public void closed(TempFileSink sink) {
      openSinks.remove(sink);
    }

    @Override
    public java.util.concurrent.ExecutorService syncPool() {
      return syncPool;
    }

    @Override
    public void pending(TempFileSink sink, Op.PutFile op, Path made, java.util.concurrent.Future<?> synced) {
      openSinks.remove(sink);
      pendingPuts.addLast(new PendingPut(op, made, synced));
    }
  }
}
