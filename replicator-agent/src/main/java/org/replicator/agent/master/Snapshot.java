package org.replicator.agent.master;

import org.replicator.core.index.Index;

/** A copy of the master's index as of batch {@code seq}, taken on the planner thread. */
record Snapshot(Index index, long seq) {}
