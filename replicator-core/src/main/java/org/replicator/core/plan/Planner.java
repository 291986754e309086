package org.replicator.core.plan;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import org.replicator.core.batch.Batch;
import org.replicator.core.batch.MaintenanceBarrier;
import org.replicator.core.batch.PathHint;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.delta.SignatureBuilder;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;
import org.replicator.core.op.Op;
import org.replicator.core.path.RelPath;
import org.replicator.core.scan.ScanResult;
import org.replicator.core.scan.Scanner;

/**
 * Turns a batch of change hints into ops by comparing the disk with the index (what the slaves
 * hold once the previous batches are applied), and updates the index to match.
 *
 * <p>Order of the ops: one pass in path order (a parent before its children) for everything
 * that exists now — moves, mkdirs, puts, links, metadata — then deletes. Moves come before
 * deletes so that {@code mv a/x b/x; rm -r a} moves {@code x} before {@code a} goes. A file or
 * directory whose inode left one path and appeared under another travels as one move: a renamed
 * directory of 10,000 files is one op.
 *
 * <p>When a file is complete: with a source that reports close-write ({@link
 * PlannerSettings#closeWriteKnown()}), when its writer closed it or it arrived by rename; a file
 * still open is parked (see {@code Coalescer#park}) until then, or until the long-open limit
 * ships a snapshot. Otherwise, after a quiet time. Either way it is read at rest.
 *
 * <p>Owned by the master's planner thread; not thread safe. Reads files, never writes.
 *
 * <p>Size: about 750 lines, past our usual bound (the close-write rules of {@code planFile} added
 * 60; they would move with a "when is a file complete" class of their own). The observation half (what the disk shows for a
 * batch: hinted paths, rescans, new ancestors, renamed-directory siblings, other hard-link names)
 * is the part to split out into its own class next; it shares the {@code Observed} state with the
 * emitting half, which is why it has not been split yet.
 */
public final class Planner {
  /**
   * How long a vanished directory waits for the other half of its rename. The JDK registers the
   * watch of a renamed directory before directory-watcher reports its CREATE, which was measured at
   * 50-70 ms after the DELETE; files pair within the batch window.
   */
  static final long DIRECTORY_MOVE_WINDOW_NANOS = 500_000_000L;

  /**
   * With a source that pairs renames: how long a path found gone with no DELETE or MOVED for it
   * waits for that event. It normally follows within microseconds (then it joins the next batch
   * and ends the wait); 500 ms covers a reader thread descheduled on a loaded machine (seen: the
   * 20 ms file window was not enough there). A path gone without any event is rare (an event
   * lost to an overflow, which rescans anyway), so the long bound costs nothing in practice.
   */
  static final long EVENT_IN_FLIGHT_NANOS = 500_000_000L;

  /**
   * How often a file found open by a scan (no event says when it closes) is asked about again:
   * its close is then noticed within this time even when it came before its directory's watch.
   */
  static final long FOUND_OPEN_RECHECK_NANOS = 500_000_000L;

  private static final Entry ABSENT =
      new Entry("", EntryType.FILE, -1, 0, 0, -1, -1, 0, "", 0, 0, 0);

  private final java.nio.file.Path root;
  private final Index index;
  private final Scanner scanner;
  private final ExcludeFilter filter;
  private final PlannerSettings settings;
  private final PlanListener listener;
  private final LongSupplier ticker;
  private final AtRestReader reader;
  private Deltas deltas = Deltas.OFF;
  private WriterCheck writers = WriterCheck.NONE;
  /** Wall time for a synthesized {@code .maintenance} (see {@link MaintenanceEdges}). */
  private LongSupplier wallSeconds = () -> System.currentTimeMillis() / 1000;
  /** Per batch: whether a directory path and all its ancestors are real directories. */
  private final Map<String, Boolean> realDirectories = new HashMap<>();

  public Planner(Path root, Index index, Scanner scanner, ExcludeFilter filter, PlannerSettings settings, PlanListener listener, LongSupplier ticker) {
    this.root = root;
    this.index = index;
    this.scanner = scanner;
    this.filter = filter;
    this.settings = settings;
    this.listener = listener;
    this.ticker = ticker;
    this.reader = new AtRestReader(root, scanner);
  }
  /** Signs large versions as they are planned and sends their next change as a patch; call before planning. */
  public void useDeltas(Deltas deltas) {
    this.deltas = java.util.Objects.requireNonNull(deltas, "deltas");
  }


  /** How to ask whether a file the source told nothing about is open for writing (close-write known only). */
  public void useWriterCheck(WriterCheck writers) {
    this.writers = Objects.requireNonNull(writers, "writers");
  }

  /** Wall clock in epoch seconds, for tests. */
  public void useWallSeconds(LongSupplier wallSeconds) {
    this.wallSeconds = Objects.requireNonNull(wallSeconds, "wallSeconds");
  }

  public PlanResult plan(Batch batch) throws IOException {
    return plan(batch, null);
  }

  /**
   * As {@link #plan(Batch)}; with {@code parts} not null, a batch that rescans a subtree hands its
   * ops to {@code parts} in bounded parts while it plans the rest (see {@link PlanParts}), and
   * returns only what follows the last part.
   */
  public PlanResult plan(Batch batch, PlanParts parts) throws IOException {
    realDirectories.clear();
    int entriesBefore = index.size();
    Observed seen = observe(batch);
    Emitter out = new Emitter();
    PlanParts cuts = batch.rescans().isEmpty() ? null : parts;
    out.inParts = cuts != null;
    // Walked by key, not by iterator: pairing a move stats the old path and records it in
    // seen.fresh while we walk (a path before the current one needs no planning: it is absent, and
    // its subtree has just moved out of the index).
    for (String path = seen.fresh.isEmpty() ? null : seen.fresh.firstKey(); path != null; path = seen.fresh.higherKey(path)) {
      Entry now = seen.fresh.get(path);
      if (now != ABSENT) {
        planPresent(path, now, seen, out);
      }
      if (cuts != null && (out.ops.size() >= cuts.opsPerPart() || out.partBytes >= cuts.bytesPerPart())) {
        String next = seen.fresh.higherKey(path);
        if (next != null && cuts.mayCut(path, next)) {
          // What a slave must hold for the index to be its true picture: the directories this part
          // touched get their times back, the names a put separated are linked again.
          out.relinkBrokenHardlinks();
          out.restoreParentTimes();
          cuts.part(out.takePart(entriesBefore));
        }
      }
    }
    out.relinkBrokenHardlinks();
    int deleted = 0;
    long now = ticker.getAsLong();
    for (Map.Entry<String, Entry> e : seen.fresh.entrySet()) {
      String path = e.getKey();
      if (e.getValue() == ABSENT && index.get(path) != null && !seen.underFailed(path)) {
        PathHint hint = seen.hints.get(path);
        long window = index.get(path).type() == EntryType.DIR
            ? Math.max(settings.moveWindowNanos(), DIRECTORY_MOVE_WINDOW_NANOS)
            : settings.moveWindowNanos();
        if (settings.closeWriteKnown() && hint != null && !hint.gone() && now - hint.lastEventNanos() < EVENT_IN_FLIGHT_NANOS) {
          // Gone from the disk, but no event said so yet: the rename that took it happened after
          // this batch closed, and its MOVED (both names) is on its way. Wait for it rather than
          // delete a directory that is about to reappear under its new name.
          out.deferred.put(path, hint);
          continue;
        }
        if (!settings.closeWriteKnown() && hint != null && now - hint.lastEventNanos() < window) {
          // The other half of a rename may still be on its way (directory-watcher reports a
          // renamed directory's CREATE only after walking it): wait before calling it a delete.
          out.deferred.put(path, hint);
          continue;
        }
        List<Entry> removed = index.removeSubtree(path);
        deleted += removed.size();
        out.touchParent(path);
        if (settings.replicateDeletes()) {
          out.add(new Op.Delete(path));
        }
      }
    }
    out.restoreParentTimes();
    List<PlannedOp> ops = out.ops;
    if (batch.maintenance() != MaintenanceBarrier.Edge.NONE) {
      boolean onDisk = statInTree(MaintenanceBarrier.FILE) != null;
      ops = MaintenanceEdges.keep(batch.maintenance(), ops, onDisk, out.deferred, out.parked, wallSeconds.getAsLong());
    }
    return new PlanResult(ops, out.deferred, deleted, entriesBefore, out.parked);
  }

  /** Looks at the disk for every hinted path and every rescanned subtree. */
  private Observed observe(Batch batch) throws IOException {
    Observed seen = new Observed();
    for (Map.Entry<String, String> rescan : batch.rescans().entrySet()) {
      scanInto(rescan.getKey(), seen, true);
    }
    java.util.SortedMap<String, PathHint> hintedPaths = withNewAncestors(batch.paths());
    for (Map.Entry<String, PathHint> hinted : hintedPaths.entrySet()) {
      String path = hinted.getKey();
      seen.hints.put(path, hinted.getValue());
      if (seen.fresh.containsKey(path) && !hinted.getValue().mustRead()) {
        continue;
      }
      if (!RelPath.isValid(path)) {
        listener.pathRefused(path, "not a valid relative path");
        continue;
      }
      Entry now;
      try {
        now = statInTree(path);
      } catch (IOException e) {
        listener.pathFailed(path, e);
        seen.failed.add(path);
        continue;
      }
      if (now == null) {
        seen.fresh.put(path, ABSENT);
        continue;
      }
      if (isExcluded(path, now.type() == EntryType.DIR)) {
        continue;
      }
      seen.fresh.put(path, now);
      seen.hashed.remove(path);
      Entry old = index.get(path);
      if (now.type() == EntryType.DIR && (old == null || old.type() != EntryType.DIR || old.inode() != now.inode())) {
        // A directory that appeared (created, or moved in from outside) or replaced another one:
        // its content came with it, and the replaced one's content went.
        scanInto(path, seen, old != null && old.type() == EntryType.DIR);
      }
    }
    lookForRenamedDirectories(seen);
    observeOtherLinkNames(seen);
    return seen;
  }

  /**
   * A vanished directory has most often been renamed next to itself, and directory-watcher reports
   * the new name only after registering it (50-70 ms later): list its parent now, so that a
   * sibling with its inode pairs as a move at once instead of waiting for that event (or, if the
   * event is lost, instead of deleting and re-sending the whole subtree). One directory listing per
   * parent per batch.
   */
  private void lookForRenamedDirectories(Observed seen) throws IOException {
    if (settings.closeWriteKnown()) {
      return; // the source pairs renames by cookie: both names are in the batch already
    }
    java.util.Set<String> parents = new java.util.TreeSet<>();
    for (Map.Entry<String, Entry> e : seen.fresh.entrySet()) {
      Entry known = index.get(e.getKey());
      if (e.getValue() == ABSENT && known != null && known.type() == EntryType.DIR) {
        parents.add(RelPath.parent(e.getKey()));
      }
    }
    for (String parent : parents) {
      scanSiblings(parent, seen);
    }
  }

  /** Adds the new directories directly under {@code parent} (with their content) to what was seen. */
  private void scanSiblings(String parent, Observed seen) throws IOException {
    java.nio.file.Path dir = parent.isEmpty() ? root : root.resolve(parent);
    List<String> found = new ArrayList<>();
    try (java.nio.file.DirectoryStream<java.nio.file.Path> children = java.nio.file.Files.newDirectoryStream(dir)) {
      for (java.nio.file.Path child : children) {
        String path = RelPath.join(parent, child.getFileName().toString());
        if (RelPath.isValid(path) && index.get(path) == null && !seen.fresh.containsKey(path)) {
          found.add(path);
        }
      }
    } catch (IOException e) {
      return; // the parent is gone or no longer a directory: nothing to pair with here
    }
    for (String path : found) {
      Entry now = statInTree(path);
      if (now != null && now.type() == EntryType.DIR && !isExcluded(path, true)) {
        seen.fresh.put(path, now);
        scanInto(path, seen, false);
      }
    }
  }

  /**
   * A change made through one name of a hard-linked file (chmod, touch, write, unlink) changes
   * every name of it, but the watcher reports only the name used: look at the other names the
   * index knows for the inode too, as if they were hinted without content.
   */
  private void observeOtherLinkNames(Observed seen) {
    // Other name -> the hint of the name the event came through: a write through one name changed
    // the content of all, even where size, mtime and (coarse) ctime look the same.
    TreeMap<String, PathHint> others = new TreeMap<>();
    for (Map.Entry<String, PathHint> hinted : seen.hints.entrySet()) {
      String path = hinted.getKey();
      Entry old = index.get(path);
      if (old != null && old.type() == EntryType.FILE && old.inode() != 0) {
        for (String other : index.pathsWithInode(old.inode())) {
          others.merge(other, hinted.getValue(), PathHint::merge);
        }
      }
      Entry now = seen.fresh.get(path);
      if (now != null && now != ABSENT && now.type() == EntryType.FILE && now.nlink() > 1 && now.inode() != 0
          && (old == null || old.inode() != now.inode())) {
        // A new name of a known file: look at the other names, but their content need not be
        // read again because of it (that would turn a new hard link into a put).
        PathHint look = new PathHint(false, hinted.getValue().lastEventNanos());
        for (String other : index.pathsWithInode(now.inode())) {
          others.merge(other, look, PathHint::merge);
        }
      }
    }
    for (Map.Entry<String, PathHint> o : others.entrySet()) {
      String other = o.getKey();
      if (seen.hints.containsKey(other) || seen.underFailed(other)) {
        continue;
      }
      seen.hints.put(other, o.getValue());
      if (seen.fresh.containsKey(other)) {
        continue;
      }
      try {
        Entry now = statInTree(other);
        seen.fresh.put(other, now == null ? ABSENT : now);
      } catch (IOException e) {
        listener.pathFailed(other, e);
        seen.failed.add(other);
      }
    }
  }

  /**
   * False when the parent of {@code path} is not a real directory (a symlink, a file, gone): a
   * name reached through a symlink is not a path of our tree, whatever stat says through it.
   */
  /** lstat of a path of our tree: null when absent or reached only through a symlink or a file. */
  private Entry statInTree(String path) throws IOException {
    return underRealDirectory(path) ? scanner.stat(path) : null;
  }

  /** Every ancestor of {@code path} is a real directory (lstat); answers are cached per batch. */
  private boolean underRealDirectory(String path) throws IOException {
    String parent = RelPath.parent(path);
    if (parent.isEmpty()) {
      return true;
    }
    Boolean known = realDirectories.get(parent);
    if (known == null) {
      Entry p = scanner.stat(parent);
      known = p != null && p.type() == EntryType.DIR && underRealDirectory(parent);
      realDirectories.put(parent, known);
    }
    return known;
  }

  /**
   * Adds, for every hinted path whose parent the index does not know, the topmost unknown
   * ancestor: a directory that appeared (or was renamed) is then planned as a whole, before its
   * children, and can pair with the inode it had under its old name. directory-watcher reports a
   * new directory's children before the directory itself.
   */
  private java.util.SortedMap<String, PathHint> withNewAncestors(java.util.SortedMap<String, PathHint> paths) {
    TreeMap<String, PathHint> all = new TreeMap<>(paths);
    for (Map.Entry<String, PathHint> e : paths.entrySet()) {
      String top = null;
      String parent = RelPath.parent(e.getKey());
      while (!parent.isEmpty() && index.get(parent) == null) {
        top = parent;
        parent = RelPath.parent(parent);
      }
      if (top != null) {
        all.merge(top, new PathHint(false, e.getValue().lastEventNanos()), PathHint::merge);
      }
    }
    return all;
  }

  /**
   * What a scan of {@code subtree} may trust: the index, or, when {@code subtree} is a directory
   * that holds the inode of a vanished indexed directory (a rename), that directory's entries
   * re-keyed under the new name, so that its unchanged files are not read and hashed again.
   */
  private Index previousFor(String subtree) throws IOException {
    if (subtree.isEmpty() || index.get(subtree) != null) {
      return index;
    }
    Entry now = statInTree(subtree);
    if (now == null || now.type() != EntryType.DIR || now.inode() == 0) {
      return index;
    }
    for (String old : index.pathsWithInode(now.inode())) {
      Entry known = index.get(old);
      Entry there = known == null || known.type() != EntryType.DIR ? null : statInTree(old);
      if (known != null && known.type() == EntryType.DIR && (there == null || there.inode() != now.inode())
          && !RelPath.isSameOrUnder(subtree, old) && !RelPath.isSameOrUnder(old, subtree)) {
        Index renamed = new Index();
        for (Entry e : index.subtree(old)) {
          renamed.put(e.withPath(subtree + e.path().substring(old.length())));
        }
        return renamed;
      }
    }
    return index;
  }

  private void scanInto(String subtree, Observed seen, boolean detectDeletes) throws IOException {
    ScanResult result;
    Index previous = previousFor(subtree);
    try {
      // No file is read here: planFile reads each changed one at rest, once.
      result = scanner.survey(subtree, previous);
    } catch (NoSuchFileException e) {
      result = new ScanResult(List.of(), java.util.Set.of());
    }
    seen.failed.addAll(result.failedPaths());
    seen.scanned.add(subtree);
    java.util.Set<String> present = seen.present;
    for (Entry e : result.entries()) {
      if (e.path().isEmpty()) {
        continue;
      }
      present.add(e.path());
      Entry old = index.get(e.path());
      if (old == null || !old.sameReplicatedState(e, true) || !old.sameStat(e) || e.type() == EntryType.DIR && old.mtimeNanos() != e.mtimeNanos()) {
        seen.fresh.put(e.path(), e);
        if (Scanner.keepsHash(previous.get(e.path()), e)) {
          seen.hashed.put(e.path(), Boolean.TRUE); // the survey kept the hash of the same stat
        } else {
          seen.hashed.remove(e.path());
        }
      }
    }
    if (detectDeletes) {
      for (Entry old : index.subtree(subtree)) {
        if (!old.path().isEmpty() && !present.contains(old.path())) {
          seen.fresh.put(old.path(), ABSENT);
        }
      }
    }
  }

  private void planPresent(String path, Entry now, Observed seen, Emitter out) throws IOException {
    Entry old = index.get(path);
    if (old == null || old.inode() != now.inode() || old.type() != now.type()) {
      String source = findMoveSource(path, now, seen);
      if (source != null && patchesBetterThanMove(source, now, old)) {
        // An editor's atomic save of a large file (write a temp file, rename it over): the temp
        // file was planned while still being written, so moving it would carry stale content and
        // the new content would then travel whole. The slaves still hold the old version here:
        // drop their copy of the temp file and patch the old version instead.
        out.add(new Op.Delete(source));
        index.removeSubtree(source);
        source = null;
      }
      if (source != null) {
        if (old != null) {
          out.add(new Op.Delete(path));
          index.removeSubtree(path);
        }
        out.add(new Op.Move(source, path));
        index.moveSubtree(source, path);
        old = index.get(path);
        if (now.type() == EntryType.DIR && seen.wasScanned(path)) {
          // What came with the inode but is not on disk (the inode was reused by a new directory,
          // or its content changed since): delete it after the move.
          for (Entry moved : index.subtree(path)) {
            if (!moved.path().equals(path) && !seen.present.contains(moved.path()) && !seen.fresh.containsKey(moved.path())) {
              seen.fresh.put(moved.path(), ABSENT);
            }
          }
        }
      }
    }
    if (old != null && old.type() != now.type()) {
      out.add(new Op.Delete(path));
      index.removeSubtree(path);
      old = null;
    }
    switch (now.type()) {
      case DIR -> planDirectory(path, now, old, out);
      case SYMLINK -> planSymlink(path, now, old, out);
      case FILE -> planFile(path, now, old, seen, out);
    }
  }

  /**
   * True when a file moved over {@code old} carries content older than what is now on disk (it must
   * be read and sent again anyway) and {@code old} can be a patch's basis: then a patch against
   * {@code old} costs a fraction of the whole new content that the move would leave to send.
   */
  private boolean patchesBetterThanMove(String source, Entry now, Entry old) {
    Entry moved = index.get(source);
    return now.type() == EntryType.FILE && moved != null && moved.type() == EntryType.FILE && moved.nlink() <= 1
        && !moved.sameStat(now) && old != null && old.type() == EntryType.FILE && old.nlink() <= 1
        && deltas.signs(now.size()) && deltas.hasSignature(old.hash());
  }

  private void planDirectory(String path, Entry now, Entry old, Emitter out) {
    if (old == null) {
      out.add(new Op.Mkdir(path, now.meta()));
    } else if (!old.meta().equals(now.meta())) {
      out.add(new Op.SetMeta(path, now.meta()));
    }
    index.put(now);
  }

  private void planSymlink(String path, Entry now, Entry old, Emitter out) {
    if (old == null || !old.linkTarget().equals(now.linkTarget())) {
      out.add(new Op.Symlink(path, now.linkTarget(), now.meta()));
    } else if (!old.meta().equals(now.meta())) {
      out.add(new Op.SetMeta(path, now.meta()));
    }
    index.put(now);
  }

  private void planFile(String path, Entry now, Entry old, Observed seen, Emitter out) throws IOException {
    String linkedTo = out.putInodes.get(now.inode());
    if (linkedTo == null && now.nlink() > 1 && (old == null || old.inode() != now.inode())) {
      linkedTo = unchangedLinkPartner(path, now, seen);
      PathHint own = seen.hints.get(path);
      if (linkedTo != null && own != null && own.mustRead() && !sameContent(path, index.get(linkedTo))) {
        linkedTo = null; // written through this new name since: its content must travel
      }
    }
    if (linkedTo != null && now.inode() != 0) {
      out.add(new Op.Hardlink(path, linkedTo));
      index.put(now.withHash(index.get(linkedTo).hash()));
      return;
    }
    PathHint hint = seen.hints.get(path);
    boolean mustRead = old == null || !old.sameStat(now) || (hint != null && hint.mustRead());
    if (!mustRead) {
      if (!old.meta().equals(now.meta())) {
        out.add(new Op.SetMeta(path, now.meta()));
      }
      index.put(now.withHash(old.hash()));
      return;
    }
    Entry hashedEntry = Boolean.TRUE.equals(seen.hashed.get(path)) && (hint == null || !hint.mustRead()) ? now : null;
    long openForNanos = -1;
    boolean foundOpen = hint != null && hint.write() == PathHint.Write.FOUND_OPEN;
    if (settings.closeWriteKnown() && hint != null && hint.isOpen() && !foundOpen && !isHardLinkCreation(hint, now)) {
      // Its writer has not closed it: not a version of the file anyone meant to publish yet.
      openForNanos = ticker.getAsLong() - hint.openSinceNanos();
      if (openForNanos < settings.openSnapshotNanos()) {
        out.park(path, hint, hint.openSinceNanos() + settings.openSnapshotNanos());
        return;
      }
      // Open past the limit (a log appended for hours): a snapshot, read at rest below.
    } else if (settings.closeWriteKnown() && (hint == null || hint.write() == PathHint.Write.UNKNOWN || foundOpen)
        && Boolean.TRUE.equals(writers.openForWriting(path))) {
      // Found by a scan (a directory made and filled before its watch, a rescan) while a writer
      // has it open. Its close may come before its directory's watch does (the scan can run
      // ahead of the watcher), so no event is sure to wake it: ask the kernel again shortly.
      long t = ticker.getAsLong();
      long since = foundOpen ? hint.openSinceNanos() : t;
      openForNanos = t - since;
      if (openForNanos < settings.openSnapshotNanos()) {
        PathHint open = new PathHint(true, hint == null ? t : hint.lastEventNanos(), PathHint.Write.FOUND_OPEN, t, since,
            hint != null && hint.gone());
        out.park(path, open, Math.min(t + FOUND_OPEN_RECHECK_NANOS, since + settings.openSnapshotNanos()));
        return;
      }
    } else if (!settings.closeWriteKnown() || hint != null && hint.write() == PathHint.Write.UNKNOWN) {
      // No word from the kernel about writers: guess from quiet time.
      long settle = old == null && now.size() >= settings.newLargeFileBytes()
          ? Math.max(settings.settleNanos(), settings.newLargeFileSettleNanos())
          : settings.settleNanos();
      if (hint != null && ticker.getAsLong() - hint.lastEventNanos() < settle) {
        out.defer(path, hint);
        return;
      }
    }
    // Not in the parts of a rescan: they are sent from the journal to a slave that is catching up
    // (the usual case on a first start), and their bytes would only fill the heap meanwhile.
    boolean inline = !out.inParts && now.size() <= settings.inlineMaxBytes() && out.inlineBytes + now.size() <= settings.batchInlineBudget();
    // A version big enough for patches is signed in the same read that hashes it: its next change
    // is then computed against it without reading anything else.
    boolean signed = hashedEntry != null && deltas.hasSignature(hashedEntry.hash());
    SignatureBuilder signer = deltas.signs(now.size()) && !signed ? new SignatureBuilder(now.size()) : null;
    AtRestReader.Read read;
    try {
      read = hashedEntry != null && !inline && signer == null
          ? new AtRestReader.Read(hashedEntry, null)
          : reader.read(path, now, inline, signer);
    } catch (NoSuchFileException e) {
      out.defer(path, hint == null ? new PathHint(true, ticker.getAsLong()) : hint);
      return;
    } catch (IOException e) {
      listener.pathFailed(path, e);
      return;
    }
    if (read == null) {
      PathHint again = new PathHint(true, ticker.getAsLong());
      out.defer(path, hint == null ? again : hint.merge(again)); // keeps how long it has been open
      return;
    }
    Entry fresh = read.entry();
    if (openForNanos >= 0) {
      listener.snapshotWhileOpen(path, openForNanos);
    }
    if (signer != null) {
      deltas.remember(signer.build(fresh.hash()));
    }
    if (old != null && old.type() == EntryType.FILE && old.hash() == fresh.hash() && old.size() == fresh.size()) {
      if (!old.meta().equals(fresh.meta())) {
        out.add(new Op.SetMeta(path, fresh.meta()));
      }
      index.put(fresh);
      return;
    }
    Content content = read.bytes() != null
        ? new Content.Inline(read.bytes(), fresh.hash())
        : new Content.OnDisk(path, fresh.size(), fresh.hash());
    // A patch only when the content streams from disk: an inline file is already in memory.
    Op.Basis basis = content instanceof Content.OnDisk ? deltas.basisFor(old, fresh.hash(), fresh.size()) : null;
    out.add(new PlannedOp(new Op.PutFile(path, fresh.size(), fresh.meta(), basis), content));
    if (content instanceof Content.Inline) {
      out.inlineBytes += fresh.size();
    }
    if (fresh.nlink() > 1 && fresh.inode() != 0) {
      out.putInodes.put(fresh.inode(), path);
      for (String other : index.pathsWithInode(fresh.inode())) {
        // Names planned later in this batch link to this put through putInodes; every other one
        // (not planned, or planned earlier) still names the replaced inode on the slave.
        Entry there = seen.fresh.get(other);
        boolean plannedLater = there != null && other.compareTo(path) > 0;
        if (!other.equals(path) && !plannedLater && there != ABSENT) {
          out.relink.put(other, path);
        }
      }
    }
    index.put(fresh);
  }

  /** True when {@code path} now hashes to what the slaves hold for {@code known}; false when unreadable. */
  private boolean sameContent(String path, Entry known) {
    try {
      return scanner.hash(path) == known.hash();
    } catch (IOException e) {
      return false; // the ordinary read below reports it
    }
  }

  /**
   * link(2) makes a CREATE that no close follows: a created, never written name of a file with
   * other names is a hard link, not a file being written.
   */
  private static boolean isHardLinkCreation(PathHint hint, Entry now) {
    return hint.write() == PathHint.Write.CREATED && now.type() == EntryType.FILE && now.nlink() > 1;
  }

  /** Another name of the same inode that the slaves already hold with this content. */
  private String unchangedLinkPartner(String path, Entry now, Observed seen) throws IOException {
    for (String other : index.pathsWithInode(now.inode())) {
      PathHint pending = seen.hints.get(other);
      if (other.equals(path) || pending != null && pending.mustRead()) {
        continue; // its content is read again in this batch: not known to be what the slaves hold
      }
      Entry known = index.get(other);
      Entry onDisk = statInTree(other);
      if (known != null && known.type() == EntryType.FILE && onDisk != null && onDisk.inode() == now.inode()
          && known.size() == now.size() && known.mtimeNanos() == now.mtimeNanos()) {
        return other;
      }
    }
    return null;
  }

  /** The path this inode was known under before, if that path no longer holds it. */
  private String findMoveSource(String path, Entry now, Observed seen) throws IOException {
    if (now.inode() == 0) {
      return null;
    }
    for (String candidate : index.pathsWithInode(now.inode())) {
      if (candidate.equals(path) || RelPath.isSameOrUnder(path, candidate) || RelPath.isSameOrUnder(candidate, path)) {
        continue; // rename(2) cannot move a path into itself nor over one of its ancestors
      }
      Entry known = index.get(candidate);
      if (known == null || known.type() != now.type()) {
        continue;
      }
      Entry there = seen.fresh.get(candidate);
      if (there == null) {
        // Not added to seen.fresh: that map is being iterated by the caller.
        there = seen.probed.get(candidate);
        if (there == null) {
          there = Objects.requireNonNullElse(statInTree(candidate), ABSENT);
          seen.probed.put(candidate, there);
        }
      }
      if (there == ABSENT || there.inode() != now.inode()) {
        return candidate;
      }
    }
    return null;
  }

  private boolean isExcluded(String path, boolean directory) {
    if (filter.excluded(path, directory)) {
      return true;
    }
    int slash = path.indexOf('/');
    while (slash >= 0) {
      if (filter.excluded(path.substring(0, slash), true)) {
        return true;
      }
      slash = path.indexOf('/', slash + 1);
    }
    return false;
  }

  /** What the disk showed for this batch. */
  private static final class Observed {
    final TreeMap<String, Entry> fresh = new TreeMap<>();
    final Map<String, Entry> probed = new HashMap<>();
    final Map<String, Boolean> hashed = new HashMap<>();
    final Map<String, PathHint> hints = new HashMap<>();
    final java.util.Set<String> failed = new java.util.HashSet<>();
    /** Roots of the subtrees scanned for this batch, and every path those scans found. */
    final List<String> scanned = new ArrayList<>();
    final java.util.Set<String> present = new java.util.HashSet<>();

    boolean wasScanned(String path) {
      for (String root : scanned) {
        if (root.isEmpty() || RelPath.isSameOrUnder(path, root)) {
          return true;
        }
      }
      return false;
    }

    boolean underFailed(String path) {
      for (String f : failed) {
        if (RelPath.isSameOrUnder(path, f) || RelPath.isSameOrUnder(f, path)) {
          return true;
        }
      }
      return false;
    }
  }

  /** Collects ops in order. */
  private final class Emitter {
    /** The ops of the current part (of the whole batch when it is not cut). */
    List<PlannedOp> ops = new ArrayList<>();
    /** Content bytes of those ops. */
    long partBytes;
    /** The batch may be cut into parts (a rescan planned with a {@link PlanParts}). */
    boolean inParts;
    final Map<String, PathHint> deferred = new LinkedHashMap<>();
    final Map<String, PlanResult.Parked> parked = new LinkedHashMap<>();
    final Map<Long, String> putInodes = new HashMap<>();
    final Map<String, String> relink = new TreeMap<>();
    long inlineBytes;

    final java.util.TreeSet<String> touchedParents = new java.util.TreeSet<>(java.util.Comparator.reverseOrder());

    void add(Op op) {
      add(PlannedOp.of(op));
    }

    void add(PlannedOp op) {
      ops.add(op);
      partBytes += op.contentBytes();
      Op o = op.op();
      if (!(o instanceof Op.SetMeta)) {
        touchParent(o.path());
      }
      if (o instanceof Op.Move m) {
        touchParent(m.from());
      }
    }

    /**
     * The ops so far as one part, and a fresh start for the next: its own inline budget (each part
     * is a batch). Put inodes are kept: a later name of a file put in an earlier part links to it.
     */
    PlanResult takePart(int entriesBefore) {
      PlanResult part = new PlanResult(ops, Map.of(), 0, entriesBefore);
      ops = new ArrayList<>();
      partBytes = 0;
      inlineBytes = 0;
      touchedParents.clear();
      relink.clear();
      return part;
    }

    void touchParent(String path) {
      String parent = RelPath.parent(path);
      if (!parent.isEmpty()) {
        touchedParents.add(parent);
      }
    }

    /**
     * Adding, removing or renaming entries bumps a directory's mtime on the slave too: set it back
     * to the master's, deepest first, at the end of the batch.
     */
    void restoreParentTimes() throws IOException {
      for (String dir : touchedParents) {
        Entry known = index.get(dir);
        Entry now = statInTree(dir);
        if (known != null && now != null && now.type() == EntryType.DIR && known.type() == EntryType.DIR) {
          ops.add(PlannedOp.of(new Op.SetMeta(dir, now.meta())));
          index.put(now);
        }
      }
    }

    void park(String path, PathHint hint, long wakeAtNanos) {
      parked.put(path, new PlanResult.Parked(hint, wakeAtNanos));
    }

    void defer(String path, PathHint hint) {
      deferred.put(path, hint);
      listener.pathDeferred(path);
    }

    /** A put replaced the file on the slave, which broke its other names: link them again. */
    void relinkBrokenHardlinks() {
      for (Map.Entry<String, String> e : relink.entrySet()) {
        Entry known = index.get(e.getKey());
        Entry target = index.get(e.getValue());
        if (known != null && target != null) {
          add(new Op.Hardlink(e.getKey(), e.getValue()));
          index.put(known.withHash(target.hash()));
        }
      }
    }
  }
}
