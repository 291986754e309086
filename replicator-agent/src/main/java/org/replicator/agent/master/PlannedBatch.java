package org.replicator.agent.master;

import java.util.List;
import org.replicator.core.plan.PlannedOp;

/**
 * A numbered batch, planned once and shared read-only by every slave link.
 *
 * @param bytes content bytes before compression (lag in bytes)
 */
record PlannedBatch(long seq, long createdAtMillis, List<PlannedOp> ops, long bytes) {}
