package org.replicator.agent.hooks;

import org.replicator.core.op.Op;

/**
 * What the slave's apply loop tells about each batch, on its own thread: the ops it applied, then
 * that the batch was persisted and acknowledged. Implementations must return at once (the apply
 * loop is the replication path); {@link Hooks} only records paths here and runs hooks elsewhere.
 */
public interface BatchListener {
  BatchListener NONE = new BatchListener() {
    @Override
    public void opApplied(Op op) {}

    @Override
    public void batchAcked(long seq) {}
  };

  /** An op of the open batch was applied (or attempted: a failed op may have changed its path). */
  void opApplied(Op op);

  /** Batch {@code seq} is durable and its acknowledgement has been written to the master. */
  void batchAcked(long seq);
}
