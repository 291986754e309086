package org.replicator.agent.watch;

import static org.replicator.agent.watch.inotify.InotifyMask.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.replicator.agent.watch.inotify.Inotify;
import org.replicator.agent.watch.inotify.InotifyEvent;
import org.replicator.agent.watch.inotify.InotifyEventParser;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.path.RelPath;
import org.replicator.core.watch.ChangeEvent;
import org.replicator.core.watch.ChangeSink;
import org.replicator.core.watch.ChangeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recursive watching with inotify read directly (see {@link Inotify}): what the kernel says is
 * passed on, including what the JDK's WatchService drops. A writer's {@code IN_CLOSE_WRITE}
 * becomes {@link ChangeEvent.Kind#CLOSE_WRITE}; an {@code IN_MOVED_FROM} and the {@code
 * IN_MOVED_TO} with the same cookie become one {@link ChangeEvent.Kind#MOVED} (a half without its
 * partner is a rename out of the docroot, a delete, or into it, a new entry).
 *
 * <p>New directories are watched without a gap: on {@code IN_CREATE} of a directory (or one
 * renamed in from outside) its watch is added first, then its subdirectories', and only then is
 * its CREATE passed on; the planner, which scans a directory new to the index, then sees
 * everything made in it before the watch, and the watch reports everything after.
 *
 * <p>Nothing is lost silently: {@code IN_Q_OVERFLOW} re-walks the tree (re-adding any watch
 * whose creation was lost) and asks for a rescan of the whole docroot; a watch that cannot be
 * added (ENOSPC: {@code fs.inotify.max_user_watches}) asks for a rescan of its subtree and is
 * logged with the limit; a broken event buffer or a failed read asks for a rescan of everything.
 *
 * <p>Excluded directories are not watched (their changes are local to each node). {@code
 * .replicator/} is watched, not its subdirectories, for the barrier files (see {@link
 * DirectoryWatcherSource}); nothing else under it is reported.
 *
 * <p>Threads: {@link #start} walks the tree on the caller's thread, then one reader thread of
 * its own owns the {@link WatchTree} and the pending rename halves.
 */
public final class InotifySource implements ChangeSource {
  private static final Logger log = LoggerFactory.getLogger(InotifySource.class);
  /** How long the reader blocks in poll when idle: also how soon {@link #close} is noticed. */
  private static final int IDLE_POLL_MILLIS = 200;
  /** How long the reader blocks in poll while a rename half waits for its partner. */
  private static final int PARTNER_POLL_MILLIS = 10;
  /**
   * How long an IN_MOVED_FROM waits for its IN_MOVED_TO before it counts as a rename out of the
   * docroot. The kernel queues both halves inside one rename(2), one after the other, so the
   * partner is nearly always in the same read; but a reader can read between the two, and on a
   * loaded machine (seen on our shared 2-core CI box) the renaming thread can be descheduled
   * between them for more than 5 ms. Waiting costs nothing but a delay on real moves out.
   */
  private static final long PARTNER_WAIT_NANOS = 200_000_000L;

  private final Path root;
  private final ExcludeFilter filter;
  private final Consumer<String> onBarrier;
  private final Inotify inotify;
  private final WatchTree tree = new WatchTree();
  /** Which directories the walk may list without an lstat per entry; walk threads only. */
  private final LeafDirectories leaves = new LeafDirectories();
  /** Rename halves waiting for their partner, by cookie, oldest first. */
  private final Map<Integer, PendingMove> pendingMoves = new LinkedHashMap<>();
  private ChangeSink sink;
  private Thread reader;
  private volatile boolean stopping;
  private long walkMark;

  private record PendingMove(String path, WatchTree.Node dir, long seenNanos) {}

  /** Takes ownership of {@code inotify} (closed with this source). */
  public InotifySource(Path root, ExcludeFilter filter, Consumer<String> onBarrier, Inotify inotify) {
    this.root = root;
    this.filter = filter;
    this.onBarrier = onBarrier;
    this.inotify = inotify;
  }

  @Override
  public boolean reportsCloseWrite() {
    return true;
  }

  @Override
  public void start(ChangeSink sink) throws IOException {
    this.sink = sink;
    long started = System.nanoTime();
    int root = inotify.addWatch(this.root, DIRECTORY_WATCH);
    walkMark++;
    WatchTree.Node top = tree.put(root, null, "");
    top.seenInWalk = walkMark;
    watchChildren(top, "");
    // INFO: part of every start's time (docs/benchmarks.md, "Issue 16: startup and memory").
    log.info("event=watches-added dirs={} millis={} leaf_shortcut={}", tree.size(), (System.nanoTime() - started) / 1_000_000, leaves.trusted());
    reader = new Thread(this::readLoop, "replicator-watch");
    reader.setDaemon(true);
    reader.start();
  }

  private void readLoop() {
    try {
      while (!stopping) {
        ByteBuffer events = inotify.read(pendingMoves.isEmpty() ? IDLE_POLL_MILLIS : PARTNER_POLL_MILLIS);
        synchronized (this) {
          handleRead(events);
        }
      }
    } catch (IOException | RuntimeException e) {
      if (!stopping) {
        log.error("event=watcher-stopped reason=\"{}\" action=rescan (changes are found by the periodic reconcile only)", e.getMessage());
        sink.onRescan("", "watcher-stopped", String.valueOf(e.getMessage()));
      }
    }
  }

  private void handleRead(ByteBuffer events) {
    try {
      InotifyEventParser.parse(events, this::safeHandle);
    } catch (InotifyEventParser.MalformedEventsException e) {
      log.error("event=watch-error reason=\"{}\" action=rescan", e.getMessage());
      sink.onRescan("", "watch-error", e.getMessage());
    }
    // Halves that waited long enough found no partner: they left the docroot (a partner
    // arriving later still is an entry from outside: a new one).
    if (!pendingMoves.isEmpty()) {
      long now = System.nanoTime();
      var it = pendingMoves.values().iterator();
      while (it.hasNext()) {
        PendingMove lone = it.next();
        if (now - lone.seenNanos() >= PARTNER_WAIT_NANOS) {
          it.remove();
          movedOut(lone);
        }
      }
    }
  }

  private void safeHandle(InotifyEvent e) {
    try {
      handle(e);
    } catch (RuntimeException ex) {
      // One event we could not make sense of must not stop the watcher: compare everything.
      log.error("event=watch-error inotify=\"{}\" reason=\"{}\" action=rescan", e, ex.toString());
      sink.onRescan("", "watch-error", ex.toString());
    }
  }

  /**
   * Feeds one hand-made event through the reader thread's handling (tests: an overflow cannot be
   * provoked on demand without lowering a system-wide limit). Runs under the reader's lock.
   */
  void handleForTest(InotifyEvent e) {
    synchronized (this) {
      safeHandle(e);
    }
  }

  private void handle(InotifyEvent e) {
    if (log.isTraceEnabled()) {
      log.trace("event=inotify {}", e);
    }
    if (e.is(IN_Q_OVERFLOW)) {
      overflow();
      return;
    }
    WatchTree.Node node = tree.byWd(e.wd());
    if (node == null) {
      return; // a watch removed a moment ago: its last events are stale
    }
    if (e.is(IN_IGNORED)) {
      tree.remove(node);
      return;
    }
    String dirPath = node.path();
    if (dirPath == null) {
      return; // a directory no longer reachable by name (replaced): stale
    }
    if (e.name().isEmpty()) {
      if (node == tree.root() && e.is(IN_DELETE_SELF | IN_MOVE_SELF)) {
        log.error("event=docroot-gone docroot={} action=rescan (the marker check stops replication of an empty docroot)", root);
        sink.onRescan("", "watch-error", "the docroot was deleted or moved");
      }
      return; // the parent's watch reports the rest about this directory by name
    }
    String path = dirPath.isEmpty() ? e.name() : dirPath + "/" + e.name();
    if (RelPath.isSameOrUnder(path, RelPath.RESERVED)) {
      if (path.startsWith(DirectoryWatcherSource.BARRIER_PREFIX) && e.is(IN_CREATE)) {
        onBarrier.accept(path.substring(DirectoryWatcherSource.BARRIER_PREFIX.length()));
      }
      return;
    }
    if (e.is(IN_MOVED_FROM)) {
      pendingMoves.put(e.cookie(), new PendingMove(path, e.isDirectory() ? tree.child(node, e.name()) : null, System.nanoTime()));
    }
    if (e.is(IN_MOVED_TO)) {
      movedIn(node, e, path);
    }
    if (e.is(IN_CREATE)) {
      List<String> found = e.isDirectory() ? watchNew(node, e.name(), path) : List.of();
      sink.onEvent(new ChangeEvent(ChangeEvent.Kind.CREATE, path));
      found(found);
    }
    if (e.is(IN_MODIFY)) {
      sink.onEvent(new ChangeEvent(ChangeEvent.Kind.MODIFY, path));
    }
    if (e.is(IN_ATTRIB)) {
      sink.onEvent(new ChangeEvent(ChangeEvent.Kind.ATTRIB, path));
    }
    if (e.is(IN_CLOSE_WRITE)) {
      sink.onEvent(new ChangeEvent(ChangeEvent.Kind.CLOSE_WRITE, path));
    }
    if (e.is(IN_DELETE)) {
      sink.onEvent(new ChangeEvent(ChangeEvent.Kind.DELETE, path));
    }
  }

  private void movedIn(WatchTree.Node parent, InotifyEvent e, String path) {
    PendingMove from = pendingMoves.remove(e.cookie());
    List<String> found = List.of();
    if (e.isDirectory()) {
      if (from != null && from.dir() != null) {
        tree.move(from.dir(), parent, e.name()); // its watches follow the inode: re-link them
      } else {
        found = watchNew(parent, e.name(), path); // from outside the docroot, or a directory we did not watch
      }
    }
    sink.onEvent(ChangeEvent.moved(from == null ? null : from.path(), path));
    found(found);
  }

  /**
   * What a new directory held when its watches were in place: the planner may have looked at it
   * before (its scan can run ahead of the watcher), and changes made until then were not
   * reported. One more look at each closes that gap.
   */
  private void found(List<String> paths) {
    for (String p : paths) {
      sink.onEvent(new ChangeEvent(ChangeEvent.Kind.FOUND, p));
    }
  }

  /** An IN_MOVED_FROM without partner: renamed out of the docroot, so gone for us. */
  private void movedOut(PendingMove lone) {
    log.debug("event=rename-unpaired path=\"{}\" waited_ms={} (renamed out of the docroot)", lone.path(), (System.nanoTime() - lone.seenNanos()) / 1_000_000);
    if (lone.dir() != null) {
      for (WatchTree.Node n : tree.subtree(lone.dir())) {
        inotify.removeWatch(n.wd); // IN_IGNORED then forgets each node
      }
      tree.remove(lone.dir());
    }
    sink.onEvent(new ChangeEvent(ChangeEvent.Kind.DELETE, lone.path()));
  }

  /**
   * Watches a directory that just appeared, and everything under it, before anything is
   * reported; returns every entry found under it once its watch was in place.
   */
  private List<String> watchNew(WatchTree.Node parent, String name, String path) {
    if (isExcluded(path)) {
      return List.of();
    }
    WatchTree.Node node = addWatch(parent, name, path);
    List<String> found = new ArrayList<>();
    if (node != null) {
      node.seenInWalk = walkMark;
      watchChildren(node, path, found);
    }
    return found;
  }

  private void watchChildren(WatchTree.Node top, String topPath) {
    watchChildren(top, topPath, null);
  }

  /**
   * Adds watches for every subdirectory under {@code top} (iterative: deep trees exist), and
   * adds every entry listed to {@code found} when not null.
   */
  private void watchChildren(WatchTree.Node top, String topPath, List<String> found) {
    Deque<Object[]> todo = new ArrayDeque<>();
    todo.push(new Object[] {top, topPath});
    while (!todo.isEmpty()) {
      Object[] next = todo.pop();
      WatchTree.Node dirNode = (WatchTree.Node) next[0];
      String dirPath = (String) next[1];
      if (dirPath.equals(RelPath.RESERVED)) {
        continue; // .replicator/ itself is watched for the barrier files; what is under it is ours
      }
      Path dir = dirPath.isEmpty() ? root : root.resolve(dirPath);
      // The docroot is always walked entry by entry: its listing tells whether link counts can
      // be trusted for the rest (see LeafDirectories). Its watch, like every other, is in place.
      boolean isRoot = dirPath.isEmpty();
      long[] rootCount = isRoot ? LeafDirectories.countAndDevice(dir) : null;
      boolean leaf = !isRoot && leaves.isLeaf(dir);
      if (leaf && found == null) {
        // Watched, and no subdirectory to watch: its entries would teach this walk nothing (issue
        // 16: the start's walk listed 100,000 files of 5,000 leaves, a Path and two strings each).
        continue;
      }
      int subdirectories = 0;
      try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
        for (Path child : entries) {
          String name = child.getFileName().toString();
          String childPath = dirPath.isEmpty() ? name : dirPath + "/" + name;
          if (found != null && !RelPath.isSameOrUnder(childPath, RelPath.RESERVED)) {
            found.add(childPath);
          }
          if (leaf || !Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
            continue;
          }
          subdirectories++;
          if (isExcluded(childPath)) {
            continue;
          }
          WatchTree.Node node = addWatch(dirNode, name, childPath);
          if (node != null) {
            node.seenInWalk = walkMark;
            todo.push(new Object[] {node, childPath});
          }
        }
        if (isRoot) {
          leaves.rootListed(rootCount, subdirectories);
        }
      } catch (IOException e) {
        // Gone or replaced since its event: the parent's events say what became of it.
        log.debug("event=watch-list-failed path=\"{}\" reason=\"{}\"", dirPath, e.toString());
      }
    }
  }

  private WatchTree.Node addWatch(WatchTree.Node parent, String name, String path) {
    try {
      int wd = inotify.addWatch(root.resolve(path), DIRECTORY_WATCH);
      return tree.put(wd, parent, name);
    } catch (Inotify.WatchException e) {
      if (e.isGone()) {
        return null; // deleted or replaced by a file before we got to it: its own event follows
      }
      String hint = e.errno() == Inotify.WatchException.ENOSPC
          ? " (fs.inotify.max_user_watches=" + InotifyWatches.limit() + " reached: raise it with sysctl)"
          : "";
      log.warn("event=watch-failed path=\"{}\" reason=\"{}{}\" action=rescan (changes under it are found by the periodic reconcile)",
          path, e.getMessage(), hint);
      sink.onRescan(path, "watch-error", e.getMessage() + hint);
      return null;
    } catch (IOException e) {
      log.warn("event=watch-failed path=\"{}\" reason=\"{}\" action=rescan", path, e.getMessage());
      sink.onRescan(path, "watch-error", e.getMessage());
      return null;
    }
  }

  /**
   * Events were lost, perhaps the IN_CREATE of a directory (then it has no watch) or a rename
   * (then a watch has a stale name): walk the tree again, re-adding every watch (the kernel
   * returns the existing descriptor for a watched directory, and the node moves to its current
   * name), drop the nodes the walk did not reach, and compare everything against the index.
   */
  private void overflow() {
    walkMark++;
    WatchTree.Node top = tree.root();
    if (top != null) {
      top.seenInWalk = walkMark;
      watchChildren(top, "");
      for (WatchTree.Node stale : tree.unmarked(walkMark)) {
        if (stale != top) {
          inotify.removeWatch(stale.wd);
          tree.remove(stale);
        }
      }
    }
    pendingMoves.clear(); // their partners may be lost: the rescan decides
    sink.onRescan("", "overflow", "inotify queue overflow (fs.inotify.max_queued_events)");
  }

  private boolean isExcluded(String path) {
    if (RelPath.isSameOrUnder(path, RelPath.RESERVED)) {
      return !path.equals(RelPath.RESERVED);
    }
    if (filter.excluded(path, true)) {
      return true;
    }
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      if (filter.excluded(path.substring(0, slash), true)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    stopping = true;
    if (reader != null) {
      try {
        reader.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // closing anyway; the caller's shutdown goes on
      }
    }
    inotify.close();
  }
}
