package org.replicator.core.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.replicator.core.apply.SwapPatterns;
import org.replicator.core.op.Op;

/**
 * Consecutive planned batches merged into one while a plugin or theme directory is rewritten, so
 * that a slave receives the whole update of the directory as one batch and can swap it in at
 * once ({@code DirectorySwap}). WordPress's upgrader removes the old directory, then copies the
 * new version file by file: the coalescer cuts that into many batches (a 2 ms quiet gap, a 20 ms
 * window, 1,000 events), the first of which only deletes.
 *
 * <p>A unit opens with the first planned batch that touches a swap root ({@link SwapPatterns}),
 * takes every following planned batch (whatever it touches: order is kept), and closes once no
 * batch touched a swap root for {@link #QUIET_NANOS}, at a maintenance edge (the caller closes it
 * before planning the edge, so {@code .maintenance} stays outside), or at a cap ({@link #MAX_OPS},
 * {@link #MAX_CONTENT_BYTES}, {@link #MAX_AGE_NANOS}). A capped unit is sent as it is: the slave
 * then swaps the part it got, and the rest follows (docs/operations.md, "Updates").
 *
 * <p>Memory: the merged ops and their inline content stay in memory until the unit closes, which
 * the caps bound. Not thread-safe: the planner thread owns it.
 */
public final class UpdateUnit {
  /**
   * How long no batch may touch a swap root before the unit closes. The upgrader writes a
   * plugin's files back to back (a pause longer than this was never seen in the copy loop);
   * a longer value only delays the new version on the slaves.
   */
  public static final long QUIET_NANOS = 300_000_000L;
  public static final int MAX_OPS = 50_000;
  public static final long MAX_CONTENT_BYTES = 256L << 20;
  public static final long MAX_AGE_NANOS = 30_000_000_000L;

  private final SwapPatterns patterns;
  private final LongSupplier ticker;
  private final List<PlannedOp> ops = new ArrayList<>();
  private final List<Object> barriers = new ArrayList<>();
  private int deletedEntries;
  private int entriesBefore;
  private long contentBytes;
  private long openedAt;
  private long lastTouchAt;
  private boolean open;

  public UpdateUnit(SwapPatterns patterns, LongSupplier ticker) {
    this.patterns = patterns;
    this.ticker = ticker;
  }

  public boolean isOpen() {
    return open;
  }

  /** Whether {@code result} goes into the unit (it is open, or the result opens it). */
  public boolean takes(PlanResult result) {
    return open || touchesRoot(result.ops());
  }

  /** Adds a planned batch and the barriers waiting for it. */
  public void add(PlanResult result, List<Object> batchBarriers) {
    long now = ticker.getAsLong();
    if (!open) {
      open = true;
      openedAt = now;
      entriesBefore = result.entriesBefore();
    }
    if (touchesRoot(result.ops())) {
      lastTouchAt = now;
    }
    ops.addAll(result.ops());
    barriers.addAll(batchBarriers);
    deletedEntries += result.deletedEntries();
    contentBytes += result.contentBytes();
  }

  /**
   * True when the unit should be sent now: at a cap, or quiet. Ask about quiet only when no batch
   * is waiting to be planned: the time a large batch takes to plan is not a pause of the writer.
   */
  public boolean due() {
    long now = ticker.getAsLong();
    return open && (now - lastTouchAt >= QUIET_NANOS || atCap());
  }

  /** True when the unit must be sent now whatever follows (ops, content bytes or age past their cap). */
  public boolean atCap() {
    return open && (ticker.getAsLong() - openedAt >= MAX_AGE_NANOS || ops.size() >= MAX_OPS || contentBytes >= MAX_CONTENT_BYTES);
  }

  /** The merged batch (ops in order, deletes summed, the tree size before its first batch); the unit is empty again. */
  public PlanResult close() {
    PlanResult merged = new PlanResult(List.copyOf(ops), Map.of(), deletedEntries, entriesBefore);
    ops.clear();
    deletedEntries = 0;
    contentBytes = 0;
    open = false;
    return merged;
  }

  /** The barriers of the merged batches; call with {@link #close}. */
  public List<Object> takeBarriers() {
    List<Object> b = List.copyOf(barriers);
    barriers.clear();
    return b;
  }

  private boolean touchesRoot(List<PlannedOp> planned) {
    if (patterns.isEmpty()) {
      return false;
    }
    for (PlannedOp p : planned) {
      Op op = p.op();
      if (patterns.rootOf(op.path()) != null || op instanceof Op.Move m && patterns.rootOf(m.from()) != null) {
        return true;
      }
    }
    return false;
  }
}
