package org.replicator.agent.master;

import org.replicator.agent.stats.ErrorCounts;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.wire.Message;

/**
 * What a {@link SlaveLink} asks of its master, and nothing more: the narrow way back up, so the
 * link and its parts never hold the {@link MasterAgent} itself. Implementations are thread-safe
 * (called from every sender thread and the event loop).
 */
interface LinkHost {
  ErrorCounts errors();

  /** The hello frame for {@code slave} (carries the current replication hash). */
  Message.Hello hello(NodeConfig slave);

  /**
   * Slave {@code slave} refused the handshake because it knows a newer epoch: this master was
   * superseded (or the slave is confused); the link sends it nothing either way.
   */
  void superseded(String slave, org.replicator.core.role.Epoch claim);

  /** Slave {@code slave} asks for a planned handover at {@code next} (event loop; returns at once). */
  void handoverRequested(String slave, org.replicator.core.role.Epoch next);

  /** Maintenance: nothing is sent while true. */
  boolean paused();

  /**
   * Sender thread: a copy of the index at the last planned batch, taken on the planner thread
   * while {@code feed} starts queueing the batches after it; blocks while a batch is held. Unless
   * {@code slaveEmpty}, it also waits for the end of a rescan being planned in parts (see {@link
   * PlannerLoop#snapshot}).
   */
  Snapshot snapshotFor(SlaveFeed feed, boolean slaveEmpty) throws Exception;

  /** A copy of the index without touching any feed (verify, resync); refused while a batch is held. */
  Snapshot plainSnapshot() throws Exception;

  /** {@code delete: catch_up}: whether a catch-up deletes what the master no longer has. */
  boolean deletesOnCatchUp();

  boolean replicateOwners();

  /** Milliseconds since the oldest change no planned batch carries yet, or -1. */
  long unplannedAgeMillis();
}
