package org.replicator.core.plan;

/**
 * Where {@link Planner#plan(org.replicator.core.batch.Batch, PlanParts)} hands the ops of a large
 * batch in bounded parts while it is still planning the rest: a rescan of a whole tree (the first
 * start, an overflow, the periodic reconcile) reads and hashes every new file, and without parts
 * nothing could be sent before the last file was read, and the whole batch (100,000 ops for
 * 100,000 files) sat in memory, in the journal's record and in a catch-up's snapshot at once
 * (docs/benchmarks.md, "Issue 16, session 3: initsync").
 *
 * <p>The planner cuts only between two paths of its pass, after setting the touched directories'
 * times back and linking again the names a put separated: at every cut, the index holds exactly
 * what the parts handed so far (and every earlier batch) produce on a slave. So each part is a
 * batch of its own, numbered and sent like any other, and a snapshot of the index taken between
 * two parts is a true picture of a slave that holds them. Deletes, deferred and parked paths come
 * with the final result, as for a batch planned whole.
 *
 * <p>Called on the planner thread, from inside {@code plan}; an exception thrown here ends that
 * plan (the caller treats it as a failed plan).
 */
public interface PlanParts {
  /** A part ends at this many ops (tests set it low). */
  int opsPerPart();

  /** ... or once its content (what the planner read for it) reaches this many bytes. */
  long bytesPerPart();

  /**
   * Whether the pass may cut between {@code last} and {@code next} (paths in pass order); false
   * keeps them in one part, e.g. inside one plugin directory that a slave swaps in whole.
   */
  boolean mayCut(String last, String next);

  /** One part, ready to be numbered and sent; {@code part.ops()} is never empty. */
  void part(PlanResult part) throws java.io.IOException;
}
