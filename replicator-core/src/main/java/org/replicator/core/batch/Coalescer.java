package org.replicator.core.batch;

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
 *
 * <p>Thread safety: watcher threads call {@link #onEvent} and {@link #onRescan}; exactly one
 * planner thread calls {@link #take} or {@link #poll}. All state is guarded by {@code this}.
 * Memory is bounded by {@link CoalescerSettings#maxPendingPaths}: past it the pending paths are
 * dropped and replaced by one rescan of the whole docroot, which loses nothing.
 */
public final class Coalescer implements ChangeSink {
  private final CoalescerSettings settings;
  private final ExcludeFilter filter;
  private final LongSupplier ticker;
  private final CoalescerListener listener;

  private TreeMap<String, PathHint> paths = new TreeMap<>();
  private TreeMap<String, String> rescans = new TreeMap<>();
  private List<Object> barriers = new ArrayList<>();
  private int events;
  private long firstEventNanos;
  private long lastEventNanos;
  /** Ticker time of the oldest change not drained yet, or {@link #NONE}. */
  private long changesSinceNanos = NONE;
  /** Ticker time of the oldest change of the batch the planner holds, until {@link #planned()}. */
  private long planningSinceNanos = NONE;
  private boolean closed;

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
      return;
    }
    long now = ticker.getAsLong();
    PathHint hint = new PathHint(event.kind() != ChangeEvent.Kind.DELETE, now);
    synchronized (this) {
      touch(now);
      changed(now);
      paths.merge(path, hint, PathHint::merge);
      if (event.kind() != ChangeEvent.Kind.MODIFY) {
        // The parent's mtime changed with its entries.
        String parent = RelPath.parent(path);
        if (!parent.isEmpty()) {
          paths.merge(parent, new PathHint(false, now), PathHint::merge);
        }
      }
      collapseIfFull();
      notifyAll();
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
    notifyAll();
  }

  /** Puts a path back for the next batch (the planner deferred it: not at rest yet). */
  public synchronized void requeue(String path, PathHint hint) {
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

  /** Returns the batch if one is ready now, else null. Never blocks. */
  public synchronized Batch poll() {
    return ready(ticker.getAsLong()) ? drain() : null;
  }

  /**
   * Blocks until a batch is ready or {@code timeout} passes (then returns null), or the coalescer
   * is closed (returns null).
   */
  public synchronized Batch take(long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (!closed) {
      long now = ticker.getAsLong();
      if (ready(now)) {
        return drain();
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return null;
      }
      long waitNanos = isEmpty() ? remaining : Math.min(remaining, nanosUntilReady(now));
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
    return older(changesSinceNanos, planningSinceNanos);
  }

  /**
   * The planner calls this once the last drained batch is planned and handed on (or failed): its
   * changes then count as the slaves' lag, or come back as a rescan.
   */
  public synchronized void planned() {
    planningSinceNanos = NONE;
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
    if (paths.size() > settings.maxPendingPaths()) {
      int dropped = paths.size();
      paths.clear();
      rescans.clear();
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
