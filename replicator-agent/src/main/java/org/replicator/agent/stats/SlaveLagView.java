package org.replicator.agent.stats;

/**
 * What the master knows of one slave, read by metrics (status JSON shows the same figures). Lag
 * counts every batch planned since the slave's last acknowledgement, also those a disconnected or
 * catching-up slave will receive by diff. Implementations are thread-safe.
 */
public interface SlaveLagView {
  String name();

  /** Handshake done, the connection is up (catching up or live). */
  boolean connected();

  /**
   * Age of the oldest unacknowledged batch (also one made before the master's last start: the
   * journal keeps when each was made); 0 when none.
   */
  double lagSeconds(long nowMillis);

  long lagBatches();

  /** Content bytes of the unacknowledged batches. */
  long lagBytes();

  /** When the master received the slave's last acknowledgement (epoch ms), 0 before the first. */
  long lastAppliedAtMillis();

  long lastAckedSeq();

  /**
   * Content bytes of the batches queued in memory for this slave and not yet sent (bounded at 256
   * batches / 32 MiB, then the link reads on from the on-disk journal).
   */
  long queuedBytes();

  /** Batches in the on-disk journal the slave has not acknowledged yet. */
  long journalBacklog();

  long sentBytes();

  long receivedBytes();

  /** Paths that differed on the slave and were repaired by anti-entropy or resync. */
  long driftedPaths();

  /** Catch-ups by diff that had something to send (reconnects, overflows, failed paths). */
  long catchUps();

  /** Files sent as patches against the version the slave held. */
  long patchedFiles();

  /** New data those patches carried (the rest was copied on the slave from its own version). */
  long patchLiteralBytes();
}
