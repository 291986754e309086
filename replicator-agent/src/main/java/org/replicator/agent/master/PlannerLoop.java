package org.replicator.agent.master;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.replicator.agent.stats.ErrorCounts;
import org.replicator.agent.stats.ErrorKind;
import org.replicator.core.batch.Batch;
import org.replicator.core.batch.Coalescer;
import org.replicator.core.index.Index;
import org.replicator.core.apply.SwapPatterns;
import org.replicator.core.batch.MaintenanceBarrier;
import org.replicator.core.plan.DeleteGuard;
import org.replicator.core.plan.PlanParts;
import org.replicator.core.plan.PlanResult;
import org.replicator.core.plan.Planner;
import org.replicator.core.plan.UpdateUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's one planning thread: takes closed batches from the coalescer, plans them against
 * the index (which only this thread touches), numbers them, applies the delete-safety rules and
 * offers them to every slave link without blocking. Other threads reach the index only through
 * {@link #submit} tasks, run here between batches.
 */
final class PlannerLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(PlannerLoop.class);

  /**
   * What the loop hands to its master, on the planner thread: the narrow way back up (the loop
   * never holds the {@link MasterAgent}).
   */
  interface Output {
    ErrorCounts errors();

    /** Null when the planned batch may go, else why it is held for an operator. */
    String holdReason(PlanResult result);

    /**
     * Asked again while a batch with deletes is held and its deleted directories may still be
     * replaced by a new version (an update): null when it may go now.
     */
    String recheckHold(HeldBatch held);

    /** Journals the batch, then offers it to every link. */
    void dispatch(PlannedBatch batch);

    /** Every slave compares trees again (after a planning failure). */
    void catchUpAll();

    /** Persists the index and the batch counter now and then, and at stop. */
    void maybeSaveState(Index index, long seq, boolean force);

    /** Persists acknowledged positions and prunes the journal, at most once a second. */
    void maintainJournal(boolean force);
  }

  private final Output master;
  private final Coalescer coalescer;
  private final Planner planner;
  private final Index index;
  private final BlockingQueue<Runnable> tasks = new ArrayBlockingQueue<>(256);
  private final long reconcileNanos;
  private long nextReconcile;
  private long seq;
  private volatile HeldBatch held;
  /** Batches merged while a plugin or theme directory is rewritten (see {@link UpdateUnit}). */
  private UpdateUnit unit = new UpdateUnit(SwapPatterns.NONE, System::nanoTime);
  private SwapPatterns swapPatterns = SwapPatterns.NONE;
  private final PlanParts parts = new Parts();
  /** Planner thread only: true while {@link #parts} may hand on a rescan's parts (see {@link #snapshot}). */
  private boolean planningInParts;
  /** A maintenance edge drained while the unit closed before it was held: planned after the release. */
  private Batch waiting;
  /** Until then a held batch is asked about again (see {@link #recheckHeld}); then it waits for an operator. */
  private long replacementDeadline;
  private long nextRecheck;
  private volatile boolean running = true;
  private volatile long plannedBatches;
  private volatile String lastError;

  PlannerLoop(Output master, Coalescer coalescer, Planner planner, Index index, long firstSeq, int reconcileSeconds) {
    this.master = master;
    this.coalescer = coalescer;
    this.planner = planner;
    this.index = index;
    this.seq = firstSeq;
    this.reconcileNanos = TimeUnit.SECONDS.toNanos(reconcileSeconds);
    this.nextReconcile = System.nanoTime() + reconcileNanos;
  }

  /** Merges the batches of a directory's update into one (call before {@link #run}). */
  void useUpdateUnits(SwapPatterns patterns) {
    unit = new UpdateUnit(patterns, System::nanoTime);
    swapPatterns = patterns;
  }

  /**
   * A rescan's plan is sent in parts of at most this many ops or content bytes (see
   * {@link PlanParts}): the first start of a 457 MB tree planned for 1.2 s before its first byte
   * could go, and 100,000 small files were one 100,000-op batch in memory (docs/benchmarks.md,
   * "Issue 16, session 3: initsync"). 1,000 ops is the coalescer's own batch cap; 16 MiB is the
   * planner's inline budget per batch, so a part of small files holds at most that in memory.
   */
  static final int PART_OPS = 1000;
  static final long PART_BYTES = 16L << 20;

  /** Where the parts of a rescan go: numbered, journaled and offered like any batch. */
  private final class Parts implements PlanParts {
    @Override
    public int opsPerPart() {
      return PART_OPS;
    }

    @Override
    public long bytesPerPart() {
      return PART_BYTES;
    }

    @Override
    public boolean mayCut(String last, String next) {
      if (held != null || unit.isOpen()) {
        return false; // whatever is held or merging goes first: the parts wait for the end
      }
      // Never inside one plugin or theme directory: a slave swaps an update of it in whole.
      String root = swapPatterns.rootOf(last);
      return root == null || !root.equals(swapPatterns.rootOf(next));
    }

    @Override
    public void part(PlanResult part) {
      dispatchPlanned(0, part, new ArrayList<>());
      // Between parts, like between batches: a link to an empty slave that connected meanwhile
      // takes its snapshot now, and its catch-up starts while the rest of the tree is still being
      // read; any other waits for the last part (see snapshot).
      runTasks();
    }
  }

  /** Runs {@code task} on the planner thread; fails if 256 tasks are already waiting. */
  <T> CompletableFuture<T> submit(Supplier<T> task) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Runnable r = () -> {
      try {
        result.complete(task.get());
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    };
    if (!tasks.offer(r)) {
      result.completeExceptionally(new IllegalStateException("planner busy: too many pending requests"));
    }
    return result;
  }

  @Override
  public void run() {
    while (running) {
      try {
        runTasks();
        if (held != null) {
          recheckHeld();
          Thread.sleep(20);
          continue;
        }
        if (reconcileNanos > 0 && System.nanoTime() - nextReconcile > 0) {
          nextReconcile = System.nanoTime() + reconcileNanos;
          coalescer.onRescan("", Coalescer.RECONCILE, "periodic reconcile");
        }
        Batch batch = waiting != null ? waiting : coalescer.take(20, TimeUnit.MILLISECONDS);
        waiting = null;
        if (batch == null) {
          if (unit.due()) {
            closeUnit();
          }
          if (!unit.isOpen()) {
            // Never while a unit is open: the index is then ahead of what was sent.
            master.maybeSaveState(index, seq, false);
          }
          continue;
        }
        try {
          planOne(batch);
        } catch (IOException | RuntimeException e) {
          pendBarriers(batch.barriers()); // a failed batch must not lose a waiting `replicator wait`
          throw e;
        }
        // Also under a steady stream of changes, when the loop is never idle: acknowledged
        // positions persisted, retention (bytes and age) applied; at most once a second.
        master.maintainJournal(false);
      } catch (InterruptedException e) {
        break;
      } catch (IOException | RuntimeException e) {
        lastError = e.toString();
        master.errors().add(ErrorKind.PLAN);
        log.error("event=plan-failed cause=\"{}\" action=\"rescan in 1 s, catch every slave up by diff\"", e.toString(), e);
        // The index may be ahead of what was sent: only a diff is sure to bring the slaves back.
        master.catchUpAll();
        try {
          Thread.sleep(1000);
        } catch (InterruptedException ie) {
          break;
        }
        coalescer.onRescan("", "plan-failed", e.toString());
      }
    }
    if (unit.isOpen() && held == null) {
      closeUnit();
    }
    master.maybeSaveState(index, seq, true);
  }

  private void planOne(Batch batch) throws IOException {
    // Until it is planned and dispatched, its changes are the coalescer's to count as lag: an
    // overflow rescan of a big tree takes seconds with no batch queued for any slave yet.
    try {
      planAndDispatch(batch);
    } finally {
      coalescer.planned();
    }
  }

  private void planAndDispatch(Batch batch) throws IOException {
    if (unit.isOpen() && batch.maintenance() != MaintenanceBarrier.Edge.NONE) {
      closeUnit(); // .maintenance stays outside the unit, in order around it
      if (held != null) {
        waiting = batch;
        return;
      }
    }
    // A .maintenance edge is judged on the whole batch (MaintenanceEdges): never in parts.
    PlanResult result;
    planningInParts = batch.maintenance() == MaintenanceBarrier.Edge.NONE;
    try {
      result = planner.plan(batch, planningInParts ? parts : null);
    } finally {
      planningInParts = false;
    }
    result.deferred().forEach(coalescer::requeue);
    result.parked().forEach((path, p) -> coalescer.park(path, p.hint(), p.wakeAtNanos()));
    List<Object> barriers = new ArrayList<>(batch.barriers());
    // An open unit takes every batch, also one with only barriers: `replicator wait` must wait for the unit.
    if (batch.maintenance() == MaintenanceBarrier.Edge.NONE && (unit.isOpen() || !result.ops().isEmpty() && unit.takes(result))) {
      boolean opening = !unit.isOpen();
      if (result.deferred().isEmpty()) {
        unit.add(result, barriers);
      } else {
        unit.add(result, List.of());
        pendBarriers(barriers); // a file still being written: the barrier waits for the batch that carries it
      }
      if (opening && log.isDebugEnabled()) {
        log.debug("event=update-unit-opened ops={}", result.ops().size());
      }
      if (unit.atCap()) {
        closeUnit();
      }
      return;
    }
    dispatchPlanned(batch.events(), result, barriers);
  }

  /** Sends the merged batches of an update as one. */
  private void closeUnit() {
    List<Object> barriers = unit.takeBarriers();
    PlanResult merged = unit.close();
    dispatchPlanned(0, merged, new ArrayList<>(barriers));
  }

  private void dispatchPlanned(int events, PlanResult result, List<Object> barriers) {
    if (!result.ops().isEmpty()) {
      seq++;
      plannedBatches++;
      PlannedBatch planned = new PlannedBatch(seq, System.currentTimeMillis(), result.ops(), result.contentBytes());
      if (log.isDebugEnabled()) {
        log.debug("event=batch-planned batch={} events={} ops={} bytes={} deferred={} open={} {}", seq, events, result.ops().size(),
            result.contentBytes(), result.deferred().size(), result.parked().size(), OpSummary.of(result.ops()));
      }
      String holdReason = master.holdReason(result);
      if (holdReason != null) {
        held = new HeldBatch(planned, result.deletedEntries(), result.entriesBefore(), holdReason);
        replacementDeadline = System.nanoTime() + DeleteGuard.WINDOW_NANOS;
        nextRecheck = System.nanoTime() + RECHECK_NANOS;
        log.warn("event=batch-held batch={} deletes={} entries={} reason=\"{}\" action=\"sent if a new version replaces the deleted"
            + " directories within {} s (an update), else confirm with: replicator confirm-delete\"",
            seq, result.deletedEntries(), result.entriesBefore(), holdReason, DeleteGuard.WINDOW_NANOS / 1_000_000_000L);
        pendBarriers(barriers);
        return;
      }
      master.dispatch(planned);
    }
    if (!result.deferred().isEmpty()) {
      // A file still being written: the barrier waits for the batch that carries it.
      pendBarriers(barriers);
      return;
    }
    completeBarriers(barriers);
  }

  /**
   * How often a held batch is asked about again within the replacement window. WordPress's
   * upgrader writes a plugin's new version right after removing the old one (about a second for
   * 2,000 files here, docs/benchmarks.md): a quarter second adds little to that and costs one
   * bounded walk of the new version per check.
   */
  static final long RECHECK_NANOS = 250_000_000L;

  /** Sends the held batch once what it deletes has been replaced (an update), within the window. */
  private void recheckHeld() {
    HeldBatch h = held;
    long now = System.nanoTime();
    if (h == null || now - replacementDeadline > 0 || now - nextRecheck < 0) {
      return;
    }
    nextRecheck = now + RECHECK_NANOS;
    String reason = master.recheckHold(h);
    if (reason == null) {
      held = null;
      log.info("event=batch-released batch={} deletes={} reason=\"replaced by a new version (an update), not a mass delete\"",
          h.batch().seq(), h.deletedEntries());
      master.dispatch(h.batch());
    } else if (now + RECHECK_NANOS - replacementDeadline > 0) {
      log.warn("event=batch-held batch={} reason=\"{}\" action=\"not replaced within {} s: confirm with: replicator confirm-delete\"",
          h.batch().seq(), reason, DeleteGuard.WINDOW_NANOS / 1_000_000_000L);
    }
  }

  private void pendBarriers(List<Object> barriers) {
    barriers.forEach(coalescer::addBarrier);
  }

  @SuppressWarnings("unchecked")
  private void completeBarriers(List<Object> barriers) {
    for (Object b : barriers) {
      ((CompletableFuture<Long>) b).complete(seq);
    }
  }

  private void runTasks() {
    Runnable task;
    while ((task = tasks.poll()) != null) {
      task.run();
    }
  }

  /** Operator confirmed the held batch: send it. Runs as a task. */
  HeldBatch release() {
    HeldBatch h = held;
    if (h != null) {
      held = null;
      log.info("event=batch-released batch={} deletes={}", h.batch().seq(), h.deletedEntries());
      master.dispatch(h.batch());
    }
    return h;
  }

  HeldBatch held() {
    return held;
  }

  long seq() {
    return seq;
  }

  /**
   * Null while a batch is held (a diff must not carry the held deletes past the operator), an
   * update unit is open (the index is ahead of what was sent), or a rescan is being planned in
   * parts and the slave is not known to be empty.
   */
  Snapshot snapshot(SlaveFeed feed, boolean slaveEmpty) {
    if (held != null || unit.isOpen()) {
      return null;
    }
    if (planningInParts && !slaveEmpty) {
      // Between the parts of a rescan the index holds the parts so far; a diff against a slave
      // that already has the tree (adopted, or filled before) would leave every later part to
      // be sent to it whole, as puts of files it has: 100,000 rewritten files after an adopt.
      return null;
    }
    feed.bufferAfter(seq);
    return new Snapshot(index.copy(), seq);
  }

  long plannedBatches() {
    return plannedBatches;
  }

  String lastError() {
    return lastError;
  }

  void stop() {
    running = false;
    coalescer.close();
  }
}
