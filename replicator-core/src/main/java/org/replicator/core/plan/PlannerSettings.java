package org.replicator.core.plan;

/**
 * @param inlineMaxBytes files up to this size are read once into memory and shared by all slave
 *     sessions; larger ones are streamed from disk by each session
 * @param batchInlineBudget total inline bytes per batch (memory bound); past it files are streamed
 * @param settleNanos a file is at rest when no event touched it for this long and its stat did
 *     not change while it was read
 * @param moveWindowNanos a path that disappeared is deleted only once no event touched it for this
 *     long, so that the other half of a rename can arrive and pair with it as a move
 * @param replicateDeletes the delete policy allows live deletes
 */
public record PlannerSettings(int inlineMaxBytes, long batchInlineBudget, long settleNanos, long moveWindowNanos, boolean replicateDeletes) {
  public static PlannerSettings defaults() {
    return new PlannerSettings(1 << 20, 64L << 20, 2_000_000L, 20_000_000L, true);
  }
}
