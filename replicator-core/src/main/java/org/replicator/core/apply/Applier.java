package org.replicator.core.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
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
 * <p>Confinement is {@link ConfinedTree}'s job: every read, create, rename, delete and metadata
 * change goes through directory handles walked without following symlinks, so nothing outside the
 * docroot is touched whatever the peer sends, and nothing under {@code .replicator} but the
 * staging dir. docs/security.md ("Receiver confinement") lists the races that remain against a
 * local user who can write into the docroot.
 *
 * <p>What it does not do: decide anything about ordering, persist batch numbers or ACK (the
 * receiver does, after {@link #endBatch}), or check the docroot marker ({@link DocrootMarker}).
 *
 * <p>Threads: single-threaded. One applier thread owns an instance and makes every call, sinks
 * included; nothing here is synchronized.
 *
 * <p>Size: about 760 lines, past our usual bound: one section per op kind, each with its own
 * confinement and durability steps, sharing the batch's touched-directory and pending-put state.
 * Confinement ({@link ConfinedTree}), temp files ({@link TempFiles}) and the slave index upkeep
 * ({@link AppliedIndex}) are already rooms of their own; the pending-put pipeline (parallel
 * fsync, in-order install) is the next to move out.
 */
public final class Applier implements AutoCloseable {
  private final ApplierOptions options;
  private final ApplyListener listener;
  private final Path docroot;
  private ConfinedTree guard;
  /** The docroot's file system, for free-space checks; looked up on first use. */
  private java.nio.file.FileStore docrootStore;
  private final TempFiles temp;
  private final MetadataWriter metadata;
  private final TempFileSink.Installer installer = new Installer();
  /** Plugin and theme directories replaced in one exchange; null when off (see {@link DirectorySwap}). */
  private DirectorySwap swap;
  private final List<String> swappedRoots = new ArrayList<>();

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

  /**
   * Puts smaller than this are fsync'd only when they are about to be installed, all pending ones
   * at once: the first fsync then commits the file system journal for every file written before
   * it, and the others find nothing left to write. An fsync started right after each small file
   * made the next file's create wait for that commit (ApplierBenchmark, ext4 here: 2,800-3,100
   * empty files/s in batches of 50 before, 3,400-5,300 deferred; docs/benchmarks.md). A larger
   * file's fsync starts at once, so that its flush overlaps the next file's transfer, and the
   * dirty data waiting is at most 64 small files.
   */
  static final long DEFERRED_SYNC_BELOW_BYTES = 1 << 20;

  /** A verified temp file waiting for its fsync (started, or deferred while {@code synced} is null) and its rename. */
  private static final class PendingPut {
    final Op.PutFile op;
    final Path temp;
    final java.nio.channels.FileChannel channel;
    java.util.concurrent.Future<?> synced;

    PendingPut(Op.PutFile op, Path temp, java.nio.channels.FileChannel channel) {
      this.op = op;
      this.temp = temp;
      this.channel = channel;
    }
  }

  public Applier(Path docroot, ApplierOptions options, ApplyListener listener) {
    this.options = Objects.requireNonNull(options, "options");
    this.listener = Objects.requireNonNull(listener, "listener");
    this.docroot = Objects.requireNonNull(docroot, "docroot");
    this.temp = new TempFiles(docroot);
    this.metadata = new MetadataWriter(options.applyOwners(), docroot.getFileSystem());
  }

  /**
   * Parallel-sync mode: a committed put's fsync runs on {@code pool} while the next files arrive;
   * verified puts are renamed into place in op order before any other op, before the 65th pending
   * put and at the end of the batch (small ones are fsync'd only then: {@link
   * #DEFERRED_SYNC_BELOW_BYTES}). Success and failure of those installs are reported through
   * {@link ApplyListener#applied} and {@link ApplyListener#putFailed}. A reader still never sees a
   * partial file: a file is renamed into place only after its fsync.
   */
  public void syncInParallel(java.util.concurrent.ExecutorService pool) {
    this.syncPool = pool;
  }

  /**
   * Builds the new version of directories matching {@code patterns} beside the old one and
   * exchanges the two at the end of the batch (see {@link DirectorySwap}); where {@code exchanger}
   * is refused, batches are applied per file and {@link ApplyListener#swapUnavailable} says so.
   */
  public void useDirectorySwap(SwapPatterns patterns, DirectorySwap.Exchanger exchanger) {
    this.swap = patterns.isEmpty() ? null : new DirectorySwap(docroot, patterns, exchanger, options.fsync(), listener);
  }

  /** Swap roots the last ended batch replaced in one exchange: the slave index looks at them again. */
  public List<String> swappedRoots() {
    return List.copyOf(swappedRoots);
  }

  /**
   * The open batch will not end normally (its connection went): its directory copies are dropped
   * and the live versions stay. Call before {@link #endBatch} on an interrupted batch.
   */
  public void abandonSwaps() {
    if (swap != null) {
      swap.abort();
    }
  }

  /** Installs every pending put (parallel-sync mode); a no-op otherwise. */
  public void installPending() {
    for (PendingPut p : pendingPuts) {
      startSync(p);
    }
    PendingPut p;
    while ((p = pendingPuts.pollFirst()) != null) {
      install(p);
    }
  }

  /** See {@link PendingPutPassing}; an op under a swapped root always waits (its routing may build the copy). */
  private boolean mayPassPendingPuts(Op op) {
    if (pendingPuts.isEmpty()) {
      return true;
    }
    if (swap != null && swap.rootOf(op.path()) != null) {
      return false;
    }
    List<String> paths = new ArrayList<>(pendingPuts.size());
    for (PendingPut p : pendingPuts) {
      paths.add(p.op.path());
    }
    return PendingPutPassing.mayPass(op, paths);
  }

  private void startSync(PendingPut p) {
    if (p.synced != null) {
      return;
    }
    java.nio.channels.FileChannel ch = p.channel;
    try {
      p.synced = syncPool.submit(() -> {
        try (ch) {
          ch.force(true);
        }
        return null;
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      p.synced = java.util.concurrent.CompletableFuture.failedFuture(new IOException("fsync pool stopped", e));
      try {
        ch.close();
      } catch (IOException ignored) {
        // the put fails with the cause above; its temp file is deleted
      }
    }
  }

  /** Waits for the put's fsync and renames it into place; a failure is reported, never thrown. */
  private void install(PendingPut p) {
    try {
      try {
        p.synced.get();
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable cause = e.getCause();
        throw ApplyException.io("PutFile", p.op.path(),
            cause instanceof IOException io ? io : new IOException(String.valueOf(cause), cause), "old file kept");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ApplyException.io("PutFile", p.op.path(), new java.io.InterruptedIOException("interrupted"), "old file kept");
      }
      installer.install(p.op, p.temp);
    } catch (ApplyException e) {
      TempFiles.deleteQuietly(p.temp, e);
      listener.putFailed(p.op, e);
    }
  }

  /**
   * Creates {@code .replicator/tmp} if needed and removes what an earlier run left in it, and the
   * staging siblings of directory swaps a crash left beside their roots (when swaps are on: call
   * {@link #useDirectorySwap} first).
   */
  public void start() throws IOException {
    if (!Files.isDirectory(docroot)) {
      throw new java.nio.file.NotDirectoryException(docroot + " (docroot)");
    }
    int removed = temp.prepare();
    if (swap != null) {
      for (String staging : SwapLeftovers.remove(docroot, swap.patterns())) {
        listener.leftoverSwapStagingRemoved(staging);
      }
    }
    if (guard != null) {
      guard.close();
    }
    guard = ConfinedTree.open(docroot, temp);
    guard.openStaging();
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
    swappedRoots.clear();
  }

  /** Applies every op except {@link Op.PutFile} (use {@link #beginPut}). */
  public void apply(Op op) throws ApplyException {
    checkInBatch();
    if (!mayPassPendingPuts(op)) {
      installPending();
    }
    if (swap != null) {
      rememberSwapParent(op);
      Op routed = swap.route(op);
      if (routed == null) {
        listener.applied(op, 0); // a swap root's delete: the exchange at the batch's end does it
        return;
      }
      op = routed;
    }
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
    if (swap != null) {
      rememberSwapParent(op);
      op = (Op.PutFile) swap.route(op); // a put is never absorbed
    }
    if (op.size() < 0) {
      throw new ApplyException(Kind.POLICY, "PutFile", op.path(), "negative size " + op.size() + "; old file kept");
    }
    if (!op.isPatch()) {
      guard.check("PutFile", op.path()); // refuse an unsafe path before any byte is stored
    } // a patch's path is walked by openBasis, which reports an unreachable basis as BASIS_MISMATCH
    checkFreeSpace(op);
    rememberParent(op.path());
    if (pendingPuts.size() >= MAX_PENDING_PUTS) {
      installPending(); // bounds open files, temp space and dirty data in flight
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
    if (op.size() == 0) {
      return; // nothing to hold: a storm of empty files must not pay a statfs each
    }
    long free;
    try {
      if (docrootStore == null) {
        // Looked up once: Files.getFileStore reads the mount table. The store's space is a statfs
        // of the docroot's path on every call, so a file system mounted there later still counts.
        docrootStore = Files.getFileStore(guard.docroot());
      }
      free = docrootStore.getUsableSpace();
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
    ConfinedTree.Entry file = basisEntry(op.path());
    if (file == null) {
      throw basisMissing(op, "missing");
    }
    try (file) {
      BasicFileAttributes attrs = file.lstat();
      if (attrs == null || !attrs.isRegularFile()) {
        throw basisMissing(op, attrs == null ? "missing" : "not a regular file");
      }
      FileChannel channel;
      try {
        // O_NOFOLLOW relative to the parent handle: a symlink planted after the lstat fails here.
        channel = file.openRead();
      } catch (java.nio.file.FileSystemException e) {
        throw basisMissing(op, "not openable as a regular file (" + e.getReason() + ")");
      }
      BasisSource basis;
      try {
        // A large basis is read with O_DIRECT when its patch is written so (TempFileSink).
        basis = new BasisSource(channel, op.size() >= DirectTempWriter.MIN_BYTES ? file.openReadDirect() : null);
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

  private static ApplyException basisMissing(Op.PutFile op, String what) {
    return new ApplyException(Kind.BASIS_MISMATCH, "PutFile", op.path(),
        "the patch's basis is " + what + "; old file kept, the master sends it whole");
  }

  /**
   * lstat of {@code rel} through the confined walk, for a caller that checks a patch's basis
   * before {@link #beginPut}: null when missing; a symlinked or non-directory parent is refused as
   * {@link Kind#BASIS_MISMATCH}, so nothing behind it is ever looked at, not even its size.
   */
  public BasicFileAttributes basisStat(String rel) throws ApplyException {
    checkUsable();
    try (ConfinedTree.Entry entry = basisEntry(rel)) {
      return entry == null ? null : entry.lstat();
    } catch (IOException e) {
      throw ApplyException.io("PutFile", rel, e, "old file kept");
    }
  }

  /** The content hash of the regular file {@code rel}, read through the confined walk (O_NOFOLLOW). */
  public long basisHash(String rel) throws ApplyException {
    checkUsable();
    try (ConfinedTree.Entry entry = basisEntry(rel)) {
      if (entry == null) {
        throw new ApplyException(Kind.BASIS_MISMATCH, "PutFile", rel, "the patch's basis is missing; old file kept, the master sends it whole");
      }
      try (FileChannel channel = entry.openRead()) {
        org.replicator.core.hash.ContentHasher hasher = new org.replicator.core.hash.ContentHasher();
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(org.replicator.core.hash.ContentHasher.BLOCK);
        while (channel.read(buffer) >= 0) {
          buffer.flip();
          hasher.update(buffer);
          buffer.clear();
        }
        return hasher.finish();
      }
    } catch (IOException e) {
      throw ApplyException.io("PutFile", rel, e, "old file kept");
    }
  }

  private ConfinedTree.Entry basisEntry(String rel) throws ApplyException {
    try {
      return guard.forExisting("PutFile", rel);
    } catch (ApplyException e) {
      if (e.kind() == Kind.UNSAFE_PATH || e.kind() == Kind.CONFLICT) {
        // e.g. a symlinked parent: what lies behind it is never read, not even its size.
        throw new ApplyException(Kind.BASIS_MISMATCH, "PutFile", rel,
            "the patch's basis is not reachable inside the docroot (" + e.getMessage() + "); old file kept, the master sends it whole", e);
      }
      throw e;
    }
  }

  /** Resets the mtimes of directories this batch changed (deepest first), then fsyncs touched ones. */
  public void endBatch(long seq) throws ApplyException {
    endBatch(seq, true);
  }

  /**
   * Group commit: ends the batch like {@link #endBatch(long)} (files installed, each fsync'd before
   * its rename; directory mtimes reset) but leaves the directory fsyncs to {@link
   * #syncDirectories()}. A slave with more batches already waiting makes their renames durable
   * once for the group instead of once per batch; none of them may be acknowledged before.
   */
  public void endBatchDeferringSync(long seq) throws ApplyException {
    endBatch(seq, false);
  }

  /** Fsyncs the directories batches ended with {@link #endBatchDeferringSync} changed; between batches. */
  public int syncDirectories() throws ApplyException {
    if (inBatch) {
      throw new IllegalStateException("batch " + batch + " is open");
    }
    try {
      return options.fsync() ? syncTouchedDirectories() : 0;
    } finally {
      touchedDirs.clear();
    }
  }

  private void endBatch(long seq, boolean sync) throws ApplyException {
    checkInBatch();
    if (seq != batch) {
      throw new IllegalStateException("endBatch(" + seq + ") but batch " + batch + " is open");
    }
    if (!openSinks.isEmpty()) {
      throw new IllegalStateException(openSinks.size() + " puts of batch " + seq + " are neither committed nor aborted");
    }
    installPending();
    try {
      if (swap != null) {
        for (Op.Delete d : swap.deletesToApplyLive()) {
          rememberParent(d.path());
          delete(d);
        }
      }
      restoreDirectoryMtimes();
      ApplyException swapFailure = null;
      if (swap != null) {
        try {
          swap.finish(); // after the copies' mtimes are set, before the ack's fsyncs
        } catch (ApplyException e) {
          swapFailure = e; // the rest of the batch is applied: it is still made durable below
        }
        swappedRoots.addAll(swap.takeSwapped());
        restoreSwapParents();
      }
      int synced = sync && options.fsync() ? syncTouchedDirectories() : 0;
      listener.batchEnded(seq, synced);
      if (swapFailure != null) {
        throw swapFailure;
      }
    } finally {
      if (sync) {
        touchedDirs.clear();
      }
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
    if (guard != null) {
      try {
        guard.close();
      } catch (IOException e) {
        // Read-only directory handles: nothing is lost if closing one fails.
      }
    }
  }

  private void mkdir(Op.Mkdir op) throws ApplyException {
    String name = "Mkdir";
    Path made = null;
    try (ConfinedTree.Entry target = guard.forCreate(name, op.path(), this::parentCreated)) {
      BasicFileAttributes existing = target.lstat();
      if (ConfinedTree.isRealDirectory(existing)) {
        metadata.apply(target.view(), target.path(), op.meta());
      } else {
        made = temp.next("dir");
        Files.createDirectory(made);
        metadata.apply(made, op.meta(), false);
        if (existing != null) {
          target.deleteFile(); // a file or symlink gives way to the directory
        }
        target.moveIn(made);
        made = null;
        touchedDirs.add(target.path().getParent());
      }
    } catch (IOException e) {
      throw cleanUp(ApplyException.io(name, op.path(), e, "directory not created"), made);
    }
    dirMtimes.put(op.path(), op.meta().mtimeNanos());
  }

  private void symlink(Op.Symlink op) throws ApplyException {
    String name = "Symlink";
    Path linkTarget;
    try {
      // Stored verbatim (even absolute or with ..): we never follow it. Path parsing does collapse
      // repeated and trailing slashes, which changes no resolution.
      linkTarget = docroot.getFileSystem().getPath(op.target());
    } catch (InvalidPathException e) {
      throw new ApplyException(Kind.POLICY, name, op.path(), "invalid link target: " + e.getMessage() + "; nothing written", e);
    }
    if (op.target().isEmpty()) {
      throw new ApplyException(Kind.POLICY, name, op.path(), "empty link target; nothing written");
    }
    try (ConfinedTree.Entry target = guard.forCreate(name, op.path(), this::parentCreated)) {
      Path made = temp.next("link");
      try {
        Files.createSymbolicLink(made, linkTarget);
        metadata.apply(made, op.meta(), true);
        install(name, made, target);
      } catch (IOException e) {
        throw cleanUp(ApplyException.io(name, op.path(), e, "old version kept"), made);
      } catch (ApplyException e) {
        throw cleanUp(e, made);
      }
    }
  }

  private void hardlink(Op.Hardlink op) throws ApplyException {
    String name = "Hardlink";
    Object key;
    try (ConfinedTree.Entry existing = guard.forExisting(name, op.existing())) {
      BasicFileAttributes attrs = existing == null ? null : existing.lstat();
      if (attrs == null) {
        throw new ApplyException(Kind.MISSING, name, op.path(), "link target " + RelPath.name(op.existing()) + " does not exist; nothing written");
      }
      if (attrs.isSymbolicLink()) {
        throw new ApplyException(Kind.UNSAFE_PATH, name, op.path(), "link target " + RelPath.name(op.existing()) + " is a symlink; nothing written");
      }
      if (!attrs.isRegularFile()) {
        throw new ApplyException(Kind.CONFLICT, name, op.path(), "link target " + RelPath.name(op.existing()) + " is not a regular file; nothing written");
      }
      key = attrs.fileKey();
    } catch (IOException e) {
      throw ApplyException.io(name, op.path(), e, "nothing written");
    }
    if (op.existing().equals(op.path())) {
      return; // a file is already a name of itself
    }
    try (ConfinedTree.Entry target = guard.forCreate(name, op.path(), this::parentCreated)) {
      Path made = temp.next("link");
      try {
        // link(2) has no handle-relative form in java.nio: link by path, then keep the new name only
        // if it is the very inode the confined walk found (a parent swapped meanwhile is caught).
        Files.createLink(made, docroot.resolve(op.existing()));
        BasicFileAttributes linked = ConfinedTree.lstat(made);
        if (key == null || linked == null || !key.equals(linked.fileKey())) {
          throw new ApplyException(Kind.UNSAFE_PATH, name, op.path(),
              "link target " + RelPath.name(op.existing()) + " changed while being linked; nothing written");
        }
        install(name, made, target);
      } catch (IOException e) {
        throw cleanUp(ApplyException.io(name, op.path(), e, "old version kept"), made);
      } catch (ApplyException e) {
        throw cleanUp(e, made);
      }
    }
  }

  /** Returns false when the delete was skipped by policy. */
  private boolean delete(Op.Delete op) throws ApplyException {
    String name = "Delete";
    try (ConfinedTree.Entry target = guard.forExisting(name, op.path())) {
      if (target == null) {
        return true; // a parent is missing, so the path is too
      }
      if (!options.deleteAllowed()) {
        listener.deleteSkipped(op.path());
        return false;
      }
      BasicFileAttributes attrs = target.lstat();
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
    try (ConfinedTree.Entry source = guard.forExisting(name, op.from())) {
      if (op.from().equals(op.path())) {
        return;
      }
      if (RelPath.isSameOrUnder(op.path(), op.from())) {
        throw new ApplyException(Kind.POLICY, name, op.path(), "cannot move " + RelPath.name(op.from()) + " into itself; nothing changed");
      }
      BasicFileAttributes from = source == null ? null : source.lstat();
      if (from == null) {
        throw new ApplyException(Kind.MISSING, name, op.path(), "source " + op.from() + " does not exist; nothing changed");
      }
      try (ConfinedTree.Entry target = guard.forCreate(name, op.path(), this::parentCreated)) {
        BasicFileAttributes to = target.lstat();
        if (to != null && from.isRegularFile() && to.isRegularFile() && Objects.equals(from.fileKey(), to.fileKey()) && from.fileKey() != null) {
          // Two names of one inode: rename(2) would do nothing and keep the source name.
          source.deleteFile();
        } else {
          if (to != null && (ConfinedTree.isRealDirectory(to) || ConfinedTree.isRealDirectory(from))) {
            remove(target, to); // a directory is not replaced by rename unless empty: delete then move
          }
          source.moveTo(target);
        }
        touchedDirs.add(source.path().getParent());
        touchedDirs.add(target.path().getParent());
      }
    } catch (IOException e) {
      throw ApplyException.io(name, op.path(), e, "nothing changed");
    }
  }

  private void setMeta(Op.SetMeta op) throws ApplyException {
    String name = "SetMeta";
    try (ConfinedTree.Entry target = guard.forExisting(name, op.path())) {
      BasicFileAttributes attrs = target == null ? null : target.lstat();
      if (attrs == null) {
        throw new ApplyException(Kind.MISSING, name, op.path(), "path does not exist; nothing changed");
      }
      if (attrs.isSymbolicLink()) {
        // lchown/lutimes have no handle-relative form in java.nio: by path, after the confined walk
        // (a remaining race, see docs/security.md). Nothing is followed at the final component.
        metadata.apply(target.path(), op.meta(), true);
      } else if (attrs.isRegularFile() || attrs.isDirectory()) {
        metadata.apply(target.view(), target.path(), op.meta());
      } else {
        throw new ApplyException(Kind.POLICY, name, op.path(), "is a device, FIFO or socket on this slave; nothing changed");
      }
      if (ConfinedTree.isRealDirectory(attrs)) {
        dirMtimes.put(op.path(), op.meta().mtimeNanos());
      }
    } catch (IOException e) {
      throw ApplyException.io(name, op.path(), e, "metadata may be partly applied");
    }
  }

  /** Renames a prepared file or link from staging over {@code target}; a directory there is deleted first. */
  private void install(String name, Path made, ConfinedTree.Entry target) throws IOException, ApplyException {
    BasicFileAttributes existing = target.lstat();
    if (ConfinedTree.isRealDirectory(existing)) {
      if (!options.deleteAllowed()) {
        throw new ApplyException(Kind.POLICY, name, target.rel, "a directory is in the way and deletes are disabled; directory kept");
      }
      remove(target, existing);
    }
    target.moveIn(made);
    // rename(2) does nothing when both names are links to one inode: drop the temp name then.
    Files.deleteIfExists(made);
    touchedDirs.add(target.path().getParent());
  }

  /** Deletes the entry; a directory is first renamed into staging so that it disappears at once. */
  private void remove(ConfinedTree.Entry entry, BasicFileAttributes attrs) throws IOException {
    if (ConfinedTree.isRealDirectory(attrs)) {
      Path aside = temp.next("del");
      entry.moveToStaging(aside);
      TempFiles.deleteTree(aside);
    } else {
      entry.deleteFile();
    }
    touchedDirs.add(entry.path().getParent());
  }

  /** The mtime a swap root's parent had before its sibling copy was made (the copy, the exchange and the cleanup bump it). */
  private void rememberSwapParent(Op op) {
    String root = swap.rootOf(op.path());
    if (root != null) {
      rememberParent(root);
    }
  }

  /** Sets each swapped root's parent back to the mtime the batch wants for it, and fsyncs it with the batch. */
  private void restoreSwapParents() throws ApplyException {
    for (String root : swappedRoots) {
      String parent = RelPath.parent(root);
      Long mtime = dirMtimes.containsKey(parent) ? dirMtimes.get(parent) : originalMtimes.get(parent);
      if (mtime == null || parent.isEmpty()) {
        continue;
      }
      try (ConfinedTree.Entry entry = guard.forExisting("SetMeta", parent)) {
        if (entry != null && ConfinedTree.isRealDirectory(entry.lstat())) {
          MetadataWriter.setMtime(entry.view(), entry.path(), mtime);
          touchedDirs.add(entry.path());
        }
      } catch (IOException e) {
        throw ApplyException.io("SetMeta", parent, e, "directory mtime not restored");
      }
    }
  }

  private void rememberParent(String path) {
    String parent = RelPath.parent(path);
    if (originalMtimes.containsKey(parent) || dirMtimes.containsKey(parent)) {
      return;
    }
    try {
      BasicFileAttributes a = null;
      if (parent.isEmpty()) {
        a = guard.rootView().readAttributes();
      } else {
        try (ConfinedTree.Entry dir = guard.forExisting("SetMeta", parent)) {
          a = dir == null ? null : dir.lstat();
        }
      }
      {
        if (ConfinedTree.isRealDirectory(a)) {
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
      if (dir.getKey().isEmpty()) {
        try {
          MetadataWriter.setMtime(guard.rootView(), docroot, dir.getValue());
        } catch (IOException e) {
          throw ApplyException.io("SetMeta", ".", e, "directory mtime not restored");
        }
        continue;
      }
      try (ConfinedTree.Entry entry = guard.forExisting("SetMeta", dir.getKey())) {
        // A directory deleted or moved later in the batch has nothing left to restore.
        if (entry != null && ConfinedTree.isRealDirectory(entry.lstat())) {
          MetadataWriter.setMtime(entry.view(), entry.path(), dir.getValue());
        }
      } catch (IOException e) {
        throw ApplyException.io("SetMeta", dir.getKey(), e, "directory mtime not restored");
      }
    }
  }

  /**
   * Fsyncs every touched directory that still is one. In parallel-sync mode they run together on
   * the pool, as the files' fsyncs do: a unit of a replay touches tens of directories, and their
   * fsyncs one after the other were most of the unit's own time (JFR of bench/replay.sh: 406
   * directory fsyncs of ~2 ms each in 22 units). Every one is waited for before this returns; the
   * first failure is reported once all have finished.
   */
  private int syncTouchedDirectories() throws ApplyException {
    List<Path> dirs = new ArrayList<>(touchedDirs.size());
    for (Path dir : touchedDirs) {
      try {
        if (ConfinedTree.isRealDirectory(ConfinedTree.lstat(dir))) {
          dirs.add(dir);
        }
      } catch (IOException e) {
        throw directoryNotDurable(dir, e);
      }
    }
    if (syncPool == null || dirs.size() < 2) {
      for (Path dir : dirs) {
        try {
          Fsync.directory(dir);
        } catch (IOException e) {
          throw directoryNotDurable(dir, e);
        }
      }
      return dirs.size();
    }
    List<java.util.concurrent.Future<?>> running = new ArrayList<>(dirs.size());
    for (Path dir : dirs) {
      try {
        running.add(syncPool.submit(() -> {
          Fsync.directory(dir);
          return null;
        }));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        running.add(java.util.concurrent.CompletableFuture.failedFuture(new IOException("fsync pool stopped", e)));
      }
    }
    ApplyException first = null;
    boolean interrupted = false;
    for (int i = 0; i < running.size(); i++) {
      try {
        running.get(i).get();
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable cause = e.getCause();
        if (first == null) {
          first = directoryNotDurable(dirs.get(i), cause instanceof IOException io ? io : new IOException(String.valueOf(cause), cause));
        }
      } catch (InterruptedException e) {
        interrupted = true;
        i--; // every fsync is waited for: none may still run once the batch counts as durable or failed
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (first != null) {
      throw first;
    }
    return dirs.size();
  }

  private ApplyException directoryNotDurable(Path dir, IOException e) {
    String rel = docroot.relativize(dir).toString();
    return ApplyException.io("fsync", rel.isEmpty() ? "." : rel, e, "batch " + batch + " is not durable");
  }

  private void parentCreated(String rel) {
    touchedDirs.add(docroot.resolve(rel).getParent());
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
      try (ConfinedTree.Entry target = guard.forCreate("PutFile", op.path(), Applier.this::parentCreated)) {
        Applier.this.install("PutFile", made, target);
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
    public boolean syncsInParallel() {
      return syncPool != null;
    }

    @Override
    public void pending(TempFileSink sink, Op.PutFile op, Path made, java.nio.channels.FileChannel channel) {
      openSinks.remove(sink);
      PendingPut p = new PendingPut(op, made, channel);
      if (op.size() >= DEFERRED_SYNC_BELOW_BYTES) {
        startSync(p);
      }
      pendingPuts.addLast(p);
    }
  }
}
