package org.replicator.agent.metrics;

import io.micrometer.core.instrument.Tags;
import org.replicator.agent.stats.SlaveStats;
import org.replicator.core.health.Verdict;

/**
 * A slave's meters: its own lag (what it answers HAProxy), what it applied, and its connection to
 * the master. Names: docs/metrics.md.
 */
public final class SlaveMeters {
  static final String[] RESCAN_CAUSES = {"startup", "manifest"};

  private SlaveMeters() {}

  public static void bind(Meters meters, SlaveStats slave, String master) {
    meters.errors(slave.errors());
    meters.rescans(slave.rescans(), RESCAN_CAUSES);
    meters.tlsCertificate(slave.tlsCertificateNotAfter());
    meters.gauge("replicator.master.connected", slave, s -> s.health().masterConnected() ? 1 : 0, null, Tags.empty(),
        "1 while a master's handshake is accepted and its connection is up");
    meters.gauge("replicator.lag", slave, s -> s.health().lagSeconds(), "seconds", Tags.empty(),
        "the slave's own lag: how long it cannot vouch it holds the master's state (docs/operations.md)");
    meters.gauge("replicator.lag.batches", slave, s -> s.health().lagBatches(), null, Tags.empty(),
        "batches received and not applied yet");
    for (Verdict v : Verdict.values()) {
      meters.gauge("replicator.agent.check", slave, s -> s.health().verdict() == v ? 1 : 0, null, Tags.of("state", v.label()),
          "1 for the answer the agent-check gives now (up, drain, down)");
    }
    meters.gauge("replicator.last.applied.timestamp", slave, s -> Meters.epochSeconds(s.lastAppliedAtMillis()), "seconds", Tags.empty(),
        "when the last batch was applied (epoch seconds, 0 = never since start)");
    meters.gauge("replicator.last.applied.batch", slave, SlaveStats::lastAppliedSeq, null, Tags.empty(),
        "number of the last batch applied and persisted");
    meters.counter("replicator.applied", slave, SlaveStats::appliedBytes, "bytes", Tags.empty(), "file content bytes applied");
    meters.counter("replicator.applied.files", slave, SlaveStats::appliedFiles, null, Tags.empty(), "files applied (written and renamed into place)");
    meters.counter("replicator.directory.swaps", slave, SlaveStats::directorySwaps, null, Tags.empty(),
        "plugin or theme directories replaced in one exchange");
    meters.counter("replicator.directory.swap.fallbacks", slave, SlaveStats::directorySwapFallbacks, null, Tags.empty(),
        "times directory swaps were unavailable (kernel or file system) and updates went file by file");
    meters.counter("replicator.hook.runs", slave, SlaveStats::hookRuns, null, Tags.empty(), "post-apply hook runs");
    meters.counter("replicator.hook.failures", slave, SlaveStats::hookFailures, null, Tags.empty(),
        "post-apply hook runs that failed (non-zero exit, timeout, cannot start); status shows which");
    Tags peer = Tags.of("peer", master);
    meters.counter("replicator.wire.sent", slave, SlaveStats::sentBytes, "bytes", peer, "bytes sent on the replication connection");
    meters.counter("replicator.wire.received", slave, SlaveStats::receivedBytes, "bytes", peer, "bytes received on the replication connection");
  }
}
