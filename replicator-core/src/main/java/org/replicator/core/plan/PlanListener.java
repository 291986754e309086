package org.replicator.core.plan;

import java.io.IOException;

/** What the planner reports besides ops. Bound to logs, status and metrics. Must not throw. */
public interface PlanListener {
  PlanListener NONE = new PlanListener() {};

  /** A path could not be read; it keeps its previous state on the slaves and is retried. */
  default void pathFailed(String path, IOException error) {}

  /** A path that cannot be replicated (invalid name, unsupported type). */
  default void pathRefused(String path, String reason) {}

  /** A file was still being written; it waits for the next batch. */
  default void pathDeferred(String path) {}

  /**
   * A file open for writing longer than the long-open limit (no close from its writer) was
   * shipped as it stood, read at rest: a snapshot, not a version its writer published.
   */
  default void snapshotWhileOpen(String path, long openForNanos) {}
}
