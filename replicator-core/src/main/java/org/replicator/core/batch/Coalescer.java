package org.replicator.core.batch;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.path.RelPath;
import org.replicator.core.watch.ChangeEvent;
import org.replicator.core.watch.ChangeSink;

/**
 * Folds raw change events into batches: a batch closes after a short quiet gap, after the window,
 * or at the event cap, whichever comes first. Several events for one path collapse into one hint;
 * the planner later decides from the disk what the path became (created, changed, deleted, moved).
 * A hint also keeps what the events said about writers (see {@link PathHint.Write}) and whether
 * an event said the path went; both names of a MOVED event join the same batch.
 *
 * <p>Files that the planner found still open for writing are parked ({@link #park}): they make
 * no batch ready, count as no lag, and come back with their next event (normally the writer's
 * CLOSE_WRITE) or at the wake-up time the planner chose (its long-open rule).
 *
 * <p>Thread safety: watcher threads call {@link #onEvent} and {@link #onRescan}; exactly one
 * planner thread calls {@link #take} or {@link #poll}. All state is guarded by {@code this}.
 * Memory is bounded by {@link CoalescerSettings#maxPendingPaths}, pending and parked paths
 * together: past it they are dropped and replaced by one rescan of the whole docroot, which
 * loses nothing.
 *
 * <p>WordPress's {@code .maintenance} file cuts the stream (see {@link MaintenanceBarrier}): its
 * appearance or removal seals what was pending into a batch of its own, then the file's change
 * into another, both queued ahead of everything that follows. Sealed batches count against the
 * same memory bound.
 */
public final class Coalescer implements ChangeSink {
  private final CoalescerSettings settings;
  private final ExcludeFilter filter;
  private final LongSupplier ticker;
  private final CoalescerListener listener;

  private TreeMap<String, PathHint> paths = new TreeMap<>();
  private TreeMap<String, String> rescans = new TreeMap<>();
  /** Files open for writing, waiting for their close (see {@link #park}); bounded with {@code paths}. */
  private final TreeMap<String, Parked> parked = new TreeMap<>();
  private List<Object> barriers = new ArrayList<>();
  private int events;
  private long firstEventNanos;
  private long lastEventNanos;
  /** Ticker time of the oldest change not drained yet, or {@link #NONE}. */
  private long changesSinceNanos = NONE;
  /** Ticker time of the oldest change of the batch the planner holds, until {@link #planned()}. */
  private long planningSinceNanos = NONE;
  private boolean closed;
  /** Batches cut by a maintenance edge, drained in order before anything pending. */
  private final ArrayDeque<Sealed> sealed = new ArrayDeque<>();
  private int sealedPaths;
  /** The batch the planner holds was a sealed one: what it defers stays ahead of later changes. */
  private boolean planningSealed;

  /** A cut batch: when its oldest change happened, and when it may go (a requeued path waits one gap). */
  private record Sealed(Batch batch, long sinceNanos, long readyAtNanos) {}

  /** {@link #unplannedSinceNanos()} when no change is waiting. */
  public static final long NONE = Long.MIN_VALUE;

  /** The rescan cause of the periodic safety net: not a known change, so not counted as lag. */
  public static final String RECONCILE = "reconcile";

  public Coalescer(CoalescerSettings settings, ExcludeFilter filter, LongSupplier ticker, CoalescerListener listener) {
    this.settings = settings;
    this.filter = filter;
    this.ticker = ticker;
    this.listener = listener;
  }

  @Override
  public void onEvent(ChangeEvent event) {
    String path = event.path();
    if (path.isEmpty() || isReserved(path) || underExcludedDirectory(path)) {
      if (event.kind() == ChangeEvent.Kind.MOVED && event.from() != null) {
        // Renamed from a replicated name into an excluded or reserved one: for us it went away.
        onEvent(new ChangeEvent(ChangeEvent.Kind.DELETE, event.from()));
      }
      return;
    }
    long now = ticker.getAsLong();
    MaintenanceBarrier.Edge edge = MaintenanceBarrier.edgeOf(event);
    if (edge != MaintenanceBarrier.Edge.NONE) {
      synchronized (this) {
        cutAt(edge, event, now);
        collapseIfFull();
        notifyAll();
      }
      return;
    }
    PathHint hint = hintFor(event.kind(), now);
    synchronized (this) {
      touch(now);
      if (event.kind() == ChangeEvent.Kind.CLOSE_WRITE && paths.containsKey(path)) {
        // The close of a file already pending adds no work to the batch: not counted against
        // the event cap, so a burst of files makes batches as large as without close events.
        events--;
      }
      changed(now);
      add(path, hint);
      if (event.kind() == ChangeEvent.Kind.CREATE || event.kind() == ChangeEvent.Kind.DELETE || event.kind() == ChangeEvent.Kind.MOVED) {
        // The parent's mtime changed with its entries.
        touchParent(path, now);
      }
      String from = event.from();
      if (from != null && !from.isEmpty() && !isReserved(from) && !underExcludedDirectory(from)) {
        // Both names of a rename in one batch: the planner pairs them by inode at once.
        add(from, PathHint.gone(now));
        touchParent(from, now);
      }
      collapseIfFull();
      notifyAll();
    }
  }

  /**
   * Seals what is pending, then the maintenance file's own change, as two batches queued ahead of
   * what follows. The file is read as complete (WordPress writes it in one call): a read that
   * catches it half-written is followed by its close, which seals another ON with the whole file.
   */
  private void cutAt(MaintenanceBarrier.Edge edge, ChangeEvent event, long now) {
    PathHint own = paths.remove(MaintenanceBarrier.FILE);
    sealPending(now);
    TreeMap<String, PathHint> cut = new TreeMap<>();
    PathHint hint = edge == MaintenanceBarrier.Edge.ON ? PathHint.of(true, now, PathHint.Write.CLOSED) : PathHint.gone(now);
    cut.put(MaintenanceBarrier.FILE, own == null ? hint : own.merge(hint));
    String other = edge == MaintenanceBarrier.Edge.ON ? event.from() : event.path();
    if (event.kind() == ChangeEvent.Kind.MOVED && other != null && !other.isEmpty() && !other.equals(MaintenanceBarrier.FILE)
        && !isReserved(other) && !underExcludedDirectory(other)) {
      // The other name of the rename travels with it, so that the planner pairs the two as a move.
      cut.put(other, edge == MaintenanceBarrier.Edge.ON ? PathHint.gone(now) : PathHint.of(false, now, PathHint.Write.CLOSED));
      String parent = RelPath.parent(other);
      if (!parent.isEmpty()) {
        cut.put(parent, new PathHint(false, now));
      }
    }
    sealed.add(new Sealed(new Batch(cut, new TreeMap<>(), new ArrayList<>(), 1, edge), now, now));
    sealedPaths += cut.size();
  }

  /** Moves everything pending (paths, rescans, barriers) into a sealed batch, if there is any. */
  private void sealPending(long now) {
    if (isEmpty()) {
      return;
    }
    long since = changesSinceNanos == NONE ? now : changesSinceNanos;
    sealed.add(new Sealed(new Batch(paths, rescans, barriers, events), since, now));
    sealedPaths += paths.size();
    paths = new TreeMap<>();
    rescans = new TreeMap<>();
    barriers = new ArrayList<>();
    events = 0;
    changesSinceNanos = NONE;
  }

  /**
   * What an event says about the path's content and writers. Content: CREATE, MODIFY and
   * CLOSE_WRITE must be read; ATTRIB, DELETE and MOVED need a stat (a renamed file keeps its
   * content and pairs with its old name). Writers: see {@link PathHint.Write}.
   */
  static PathHint hintFor(ChangeEvent.Kind kind, long now) {
    return switch (kind) {
      case CREATE -> PathHint.of(true, now, PathHint.Write.CREATED);
      case MODIFY -> PathHint.of(true, now, PathHint.Write.WRITING);
      case CLOSE_WRITE -> PathHint.of(true, now, PathHint.Write.CLOSED);
      case MOVED -> PathHint.of(false, now, PathHint.Write.CLOSED);
      case DELETE -> PathHint.gone(now);
      case ATTRIB, FOUND -> new PathHint(false, now);
    };
  }

  private void add(String path, PathHint hint) {
    Parked waiting = parked.remove(path);
    if (waiting != null) {
      hint = waiting.hint().merge(hint); // keeps how long it has been open
    }
    paths.merge(path, hint, PathHint::merge);
  }

  private void touchParent(String path, long now) {
    String parent = RelPath.parent(path);
    if (!parent.isEmpty()) {
      paths.merge(parent, new PathHint(false, now), PathHint::merge);
    }
  }

  @Override
  public void onRescan(String subtree, String cause, String detail) {
    synchronized (this) {
      long now = ticker.getAsLong();
      touch(now);
      if (!RECONCILE.equals(cause)) {
        changed(now); // events were lost or may have been: the slaves cannot be known current
      }
      // A rescan of an ancestor covers its descendants.
      for (String existing : rescans.keySet()) {
        if (RelPath.isSameOrUnder(subtree, existing) || existing.isEmpty()) {
          listener.rescanRequested(subtree, cause, detail);
          notifyAll();
          return;
        }
      }
      rescans.keySet().removeIf(s -> subtree.isEmpty() || RelPath.isSameOrUnder(s, subtree));
      rescans.put(subtree, cause);
      notifyAll();
    }
    listener.rescanRequested(subtree, cause, detail);
  }

  /** Adds a barrier token that the planner completes once the batch carrying it is planned. */
  public synchronized void addBarrier(Object token) {
    touch(ticker.getAsLong());
    barriers.add(token);
    // A file found open by a scan may have closed unreported since: the barrier's batch asks
    // the kernel again, so that a closed one travels before the barrier completes.
    var it = parked.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      if (e.getValue().hint().write() == PathHint.Write.FOUND_OPEN) {
        it.remove();
        paths.merge(e.getKey(), e.getValue().hint(), PathHint::merge);
      }
    }
    notifyAll();
  }

  /** Puts a path back for the next batch (the planner deferred it: not at rest yet). */
  public synchronized void requeue(String path, PathHint hint) {
    if (planningSealed || !sealed.isEmpty()) {
      // Deferred from a batch planned ahead of a maintenance cut (or from a cut batch itself): it
      // must stay ahead of what follows the cut, so it goes first, after one quiet gap.
      requeueAhead(path, hint);
      return;
    }
    if (paths.isEmpty() && rescans.isEmpty() && barriers.isEmpty()) {
      // Counted from now, not from the path's last event: a deferred path comes back after one
      // quiet gap, instead of spinning the planner until it settles (which can take 200 ms).
      long now = ticker.getAsLong();
      firstEventNanos = now;
      lastEventNanos = now;
    }
    // Deferred while its batch is planned: it keeps that batch's age.
    changed(planningSinceNanos != NONE ? planningSinceNanos : ticker.getAsLong());
    paths.merge(path, hint, PathHint::merge);
    collapseIfFull();
    notifyAll();
  }

  private void requeueAhead(String path, PathHint hint) {
    long now = ticker.getAsLong();
    long since = planningSinceNanos != NONE ? planningSinceNanos : now;
    Sealed head = sealed.peekFirst();
    if (head != null && head.batch().maintenance() == MaintenanceBarrier.Edge.NONE && head.batch().events() == 0) {
      // Already a batch of requeued paths at the head: join it.
      head.batch().paths().merge(path, hint, PathHint::merge);
      sealedPaths++;
      return;
    }
    TreeMap<String, PathHint> p = new TreeMap<>();
    p.put(path, hint);
    // events == 0 marks a batch of requeued paths (no new event in it).
    sealed.addFirst(new Sealed(new Batch(p, new TreeMap<>(), new ArrayList<>(), 0), since, now + settings.quietNanos()));
    sealedPaths++;
    notifyAll();
  }

  /**
   * Holds a file that its writer still has open until its next event (normally its CLOSE_WRITE)
   * or until {@code wakeAtNanos} (the planner's long-open rule), whichever first. A parked file
   * is not a change yet: it counts neither as lag nor against barriers, and it does not make a
   * batch ready.
   */
  public synchronized void park(String path, PathHint hint, long wakeAtNanos) {
    PathHint pending = paths.remove(path);
    if (pending != null) {
      // An event arrived while the planner worked on it: that event decides, now.
      paths.put(path, hint.merge(pending));
      return;
    }
    parked.merge(path, new Parked(hint, wakeAtNanos), (a, b) -> new Parked(a.hint().merge(b.hint()), Math.min(a.wakeAtNanos(), b.wakeAtNanos())));
    collapseIfFull();
    notifyAll();
  }

  /** Files parked because their writer has them open (see {@link #park}). */
  public synchronized int openFiles() {
    return parked.size();
  }

  /** Ticker time since which the longest-open parked file has been open, or {@link #NONE}. */
  public synchronized long oldestOpenSinceNanos() {
    long oldest = NONE;
    for (Parked p : parked.values()) {
      oldest = older(oldest, p.hint().openSinceNanos());
    }
    return oldest;
  }

  private record Parked(PathHint hint, long wakeAtNanos) {}

  /** Moves the parked files whose wake-up time came into the pending set. */
  private void wakeParked(long now) {
    if (parked.isEmpty()) {
      return;
    }
    var it = parked.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      if (now - e.getValue().wakeAtNanos() >= 0) {
        it.remove();
        if (isEmpty()) {
          firstEventNanos = now;
          lastEventNanos = now - settings.quietNanos(); // nothing new to wait for: ready at once
        }
        changed(now);
        paths.merge(e.getKey(), e.getValue().hint(), PathHint::merge);
      }
    }
  }

  private long nextWakeNanos(long now) {
    long next = Long.MAX_VALUE;
    for (Parked p : parked.values()) {
      next = Math.min(next, p.wakeAtNanos() - now);
    }
    return next;
  }

  /** Returns the batch if one is ready now, else null. Never blocks. */
  public synchronized Batch poll() {
    long now = ticker.getAsLong();
    wakeParked(now);
    return ready(now) ? drain() : null;
  }

  /**
   * Blocks until a batch is ready or {@code timeout} passes (then returns null), or the coalescer
   * is closed (returns null).
   */
  public synchronized Batch take(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (!closed) {
      long now = ticker.getAsLong();
      wakeParked(now);
      if (ready(now)) {
        return drain();
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return null;
      }
      long waitNanos = Math.min(remaining, nextWakeNanos(now));
      if (!sealed.isEmpty()) {
        waitNanos = Math.min(waitNanos, sealed.peekFirst().readyAtNanos() - now);
      } else if (!isEmpty()) {
        waitNanos = Math.min(waitNanos, nanosUntilReady(now));
      }
      TimeUnit.NANOSECONDS.timedWait(this, Math.max(waitNanos, 50_000L));
    }
    return null;
  }

  public synchronized void close() {
    closed = true;
    notifyAll();
  }

  public synchronized int pendingPaths() {
    return paths.size();
  }

  /**
   * Ticker time of the oldest change (an event, a deferred path, or a rescan for lost events) not
   * yet handed to the planner, or {@link #NONE}. Status counts it as lag: until it is planned, no
   * slave can be called current.
   */
  public synchronized long unplannedSinceNanos() {
    long oldest = older(changesSinceNanos, planningSinceNanos);
    for (Sealed s : sealed) {
      oldest = older(oldest, s.sinceNanos());
    }
    return oldest;
  }

  /**
   * The planner calls this once the last drained batch is planned and handed on (or failed): its
   * changes then count as the slaves' lag, or come back as a rescan.
   */
  public synchronized void planned() {
    planningSinceNanos = NONE;
    planningSealed = false;
  }

  private static long older(long a, long b) {
    if (a == NONE) {
      return b;
    }
    return b == NONE || a - b <= 0 ? a : b;
  }

  private boolean isEmpty() {
    return paths.isEmpty() && rescans.isEmpty() && barriers.isEmpty();
  }

  private boolean ready(long now) {
    if (!sealed.isEmpty()) {
      return now - sealed.peekFirst().readyAtNanos() >= 0; // pending waits behind the cut
    }
    if (isEmpty()) {
      return false;
    }
    if (paths.isEmpty()) {
      return true; // rescans and barriers only: nothing to wait for
    }
    return events >= settings.maxEvents() || nanosUntilReady(now) <= 0;
  }

  private long nanosUntilReady(long now) {
    long quietEnds = lastEventNanos + settings.quietNanos();
    long windowEnds = firstEventNanos + settings.windowNanos();
    return Math.min(quietEnds, windowEnds) - now;
  }

  private Batch drain() {
    Sealed head = sealed.pollFirst();
    if (head != null) {
      sealedPaths -= head.batch().paths().size();
      planningSinceNanos = older(planningSinceNanos, head.sinceNanos());
      planningSealed = true;
      return head.batch();
    }
    if (!rescans.isEmpty() && !parked.isEmpty()) {
      // A rescan would find the open files without a hint and ship them as they are: hand them
      // over with their hint, so that the planner parks them again instead.
      parked.forEach((path, waiting) -> paths.merge(path, waiting.hint(), PathHint::merge));
      parked.clear();
    }
    SortedMap<String, PathHint> p = paths;
    SortedMap<String, String> r = rescans;
    List<Object> b = barriers;
    int e = events;
    paths = new TreeMap<>();
    rescans = new TreeMap<>();
    barriers = new ArrayList<>();
    events = 0;
    long since = changesSinceNanos;
    // Still unplanned while the planner works on it: a rescan of a big tree takes seconds.
    planningSinceNanos = older(planningSinceNanos, since);
    changesSinceNanos = NONE;
    return new Batch(p, r, b, e);
  }

  private void changed(long now) {
    if (changesSinceNanos == NONE) {
      changesSinceNanos = now;
    }
  }

  private void touch(long now) {
    if (isEmpty()) {
      firstEventNanos = now;
    }
    lastEventNanos = now;
    events++;
  }

  private void collapseIfFull() {
    if (paths.size() + parked.size() + sealedPaths > settings.maxPendingPaths()) {
      // The maintenance order of what was dropped is lost with it: one rescan sends the tree as it
      // is now (docs/operations.md, "Updates").
      int dropped = paths.size() + parked.size() + sealedPaths;
      paths.clear();
      parked.clear();
      rescans.clear();
      for (Sealed s : sealed) {
        barriers.addAll(s.batch().barriers());
        changesSinceNanos = older(changesSinceNanos, s.sinceNanos());
      }
      sealed.clear();
      sealedPaths = 0;
      rescans.put("", "pending-limit");
      listener.rescanRequested("", "pending-limit", dropped + " pending paths exceed the limit of " + settings.maxPendingPaths());
    }
  }

  private boolean underExcludedDirectory(String path) {
    int slash = path.indexOf('/');
    while (slash >= 0) {
      if (filter.excluded(path.substring(0, slash), true)) {
        return true;
      }
      slash = path.indexOf('/', slash + 1);
    }
    return false;
  }

  private static boolean isReserved(String path) {
    return RelPath.isSameOrUnder(path, RelPath.RESERVED);
  }
}
