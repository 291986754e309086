package org.replicator.agent.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.replicator.agent.stats.MasterStats;
import org.replicator.agent.stats.SlaveLagView;

/**
 * The master's meters: per-slave lag as the master sees it (label {@code slave}), the in-memory
 * queue per slave, and the master's own state. Names: docs/metrics.md.
 */
public final class MasterMeters {
  /** Rescan causes of a master (RescanCounts' doc says when each happens). */
  static final String[] RESCAN_CAUSES = {
    "startup", "overflow", "watch-error", "watcher-stopped", "reconcile", "pending-limit", "barrier-fallback", "plan-failed"
  };

  private final Meters meters;
  private final Map<String, List<Meter>> perSlave = new HashMap<>();

  private MasterMeters(Meters meters) {
    this.meters = meters;
  }

  /** Registers the master's meters and those of every slave it has now. */
  public static MasterMeters bind(Meters meters, MasterStats master) {
    meters.errors(master.errors());
    meters.rescans(master.rescans(), RESCAN_CAUSES);
    meters.tlsCertificate(master.tlsCertificateNotAfter());
    meters.gauge("replicator.held", master, m -> m.isHeld() ? 1 : 0, null, Tags.empty(),
        "1 while a batch waits for replicator confirm-delete (mass delete or lost marker)");
    meters.gauge("replicator.pending.paths", master, MasterStats::pendingPaths, null, Tags.empty(),
        "changed paths waiting for the next batch");
    meters.counter("replicator.scan.read", master, MasterStats::scanHashedBytes, "bytes", Tags.empty(),
        "file content scans had to read (a restart with nothing changed reads none)");
    meters.gauge("replicator.journal.disk", master, MasterStats::journalBytes, "bytes", Tags.empty(),
        "size of the on-disk change journal (every batch not yet acknowledged by every slave, within retention)");
    meters.gauge("replicator.journal.segments", master, MasterStats::journalSegments, null, Tags.empty(),
        "segment files of the on-disk change journal");
    MasterMeters bound = new MasterMeters(meters);
    for (SlaveLagView s : master.slaveViews()) {
      bound.addSlave(s);
    }
    return bound;
  }

  /** Registers the meters labelled with slave {@code s} (at start, or when a reload adds it). */
  public synchronized void addSlave(SlaveLagView s) {
    List<Meter> added = new ArrayList<>();
    Tags slave = Tags.of("slave", s.name());
    added.add(meters.gauge("replicator.slave.connected", s, v -> v.connected() ? 1 : 0, null, slave,
        "1 while the master holds a handshaken connection to the slave"));
    added.add(meters.gauge("replicator.slave.lag", s, v -> v.lagSeconds(System.currentTimeMillis()), "seconds", slave,
        "age of the oldest change the slave lacks (a batch it has not acknowledged, or a change not planned yet), 0 when none"));
    added.add(meters.gauge("replicator.slave.lag.batches", s, SlaveLagView::lagBatches, null, slave,
        "batches planned and not acknowledged by the slave, plus 1 while changes wait to be planned"));
    added.add(meters.gauge("replicator.slave.lag.bytes", s, SlaveLagView::lagBytes, "bytes", slave,
        "content bytes of the batches not acknowledged by the slave"));
    added.add(meters.gauge("replicator.slave.last.applied.timestamp", s, v -> Meters.epochSeconds(v.lastAppliedAtMillis()), "seconds", slave,
        "when the slave last acknowledged a batch (epoch seconds, 0 = never since start)"));
    added.add(meters.gauge("replicator.slave.acked.batch", s, SlaveLagView::lastAckedSeq, null, slave,
        "number of the last batch the slave acknowledged"));
    added.add(meters.gauge("replicator.slave.queue", s, SlaveLagView::queuedBytes, "bytes", slave,
        "content bytes queued in memory for the slave, not sent yet (at 256 batches or 32 MiB the link reads on from the on-disk journal)"));
    added.add(meters.gauge("replicator.slave.journal.backlog", s, SlaveLagView::journalBacklog, "batches", slave,
        "journaled batches the slave has not acknowledged (what it would be sent on reconnect)"));
    added.add(meters.counter("replicator.slave.drifted.paths", s, SlaveLagView::driftedPaths, null, slave,
        "paths found different on the slave and repaired by anti-entropy or resync (the paths are in the log and status)"));
    added.add(meters.counter("replicator.slave.catchups", s, SlaveLagView::catchUps, null, slave,
        "catch-ups by diff that had something to send (reconnect, queue overflow, failed paths)"));
    added.add(meters.counter("replicator.slave.patched.files", s, SlaveLagView::patchedFiles, null, slave,
        "files sent as patches against the version the slave held"));
    added.add(meters.counter("replicator.slave.patch.literal", s, SlaveLagView::patchLiteralBytes, "bytes", slave,
        "new data carried by patches (the rest was copied on the slave from its own version)"));
    Tags peer = Tags.of("peer", s.name());
    added.add(meters.counter("replicator.wire.sent", s, SlaveLagView::sentBytes, "bytes", peer, "bytes sent on the replication connection"));
    added.add(meters.counter("replicator.wire.received", s, SlaveLagView::receivedBytes, "bytes", peer, "bytes received on the replication connection"));
    perSlave.put(s.name(), added);
  }

  /** Unregisters slave {@code name}'s meters (a reload removed it). */
  public synchronized void removeSlave(String name) {
    List<Meter> gone = perSlave.remove(name);
    if (gone != null) {
      meters.remove(gone);
    }
  }
}
