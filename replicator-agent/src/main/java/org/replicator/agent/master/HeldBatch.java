package org.replicator.agent.master;

/** A batch the planner will not send until an operator confirms it (mass delete, lost marker). */
record HeldBatch(PlannedBatch batch, int deletedEntries, int entriesBefore, String reason) {}
