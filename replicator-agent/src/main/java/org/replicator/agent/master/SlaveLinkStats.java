package org.replicator.agent.master;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.replicator.agent.journal.Journal;
import org.replicator.agent.stats.SlaveLagView;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.wire.Message;

/**
 * The read-only view of one slave link, for metrics ({@link SlaveLagView}) and the status JSON:
 * it owns no state, it reads the parts that do (lag tracker, feed, connection, catch-up, writer,
 * acks). Every read is thread-safe; figures come from different parts, so one status answer is
 * not a single atomic snapshot (it never was).
 */
final class SlaveLinkStats implements SlaveLagView {
  /** Failed paths of the last ack listed in status; the rest are counted in the log. */
  private static final int LISTED_FAILURES = 20;

  private final NodeConfig slave;
  private final LinkHost host;
  private final Journal journal;
  private final LagTracker lag;
  private final SlaveFeed feed;
  private final SlaveConnection connection;
  private final SlaveCatchUp catchUp;
  private final BatchWriter writer;
  private final AckLedger acks;

  SlaveLinkStats(NodeConfig slave, LinkHost host, Journal journal, LagTracker lag, SlaveFeed feed, SlaveConnection connection,
      SlaveCatchUp catchUp, BatchWriter writer, AckLedger acks) {
    this.slave = slave;
    this.host = host;
    this.journal = journal;
    this.lag = lag;
    this.feed = feed;
    this.connection = connection;
    this.catchUp = catchUp;
    this.writer = writer;
    this.acks = acks;
  }

  @Override
  public String name() {
    return slave.name();
  }

  @Override
  public boolean connected() {
    return feed.mode() != SlaveFeed.Mode.DISCONNECTED;
  }

  /** Age of the oldest change the slave lacks: unacknowledged, or not even planned yet. */
  @Override
  public double lagSeconds(long nowMillis) {
    return Math.max(lag.seconds(nowMillis), Math.max(0, host.unplannedAgeMillis()) / 1000.0);
  }

  /**
   * Batches the slave has not acknowledged: those queued in memory and, after a resume or an
   * overflow, those still to be read from the journal (they never pass through the queue, so the
   * tracker alone would report 0 while they are on their way: a false "in sync"). Plus one while
   * the master holds changes no batch carries yet: without it, the seconds an overflow rescan of a
   * big tree takes read as lag 0 (found by the fault suite's inotify storm).
   */
  @Override
  public long lagBatches() {
    return Math.max(lag.batches(), journalBacklog()) + (host.unplannedAgeMillis() >= 0 ? 1 : 0);
  }

  @Override
  public long lagBytes() {
    return lag.bytes();
  }

  @Override
  public long lastAppliedAtMillis() {
    return lag.lastAckAtMillis();
  }

  @Override
  public long lastAckedSeq() {
    return lag.lastAckedSeq();
  }

  @Override
  public long journalBacklog() {
    return Math.max(0, journal.lastSeq() - Math.max(0, lag.lastAckedSeq()));
  }

  @Override
  public long queuedBytes() {
    return feed.queuedBytes();
  }

  @Override
  public long sentBytes() {
    return connection.meter().sentBytes();
  }

  @Override
  public long receivedBytes() {
    return connection.meter().receivedBytes();
  }

  @Override
  public long driftedPaths() {
    return catchUp.driftedPaths();
  }

  @Override
  public long catchUps() {
    return catchUp.catchUps();
  }

  @Override
  public long patchedFiles() {
    return writer.patchedFiles();
  }

  @Override
  public long patchLiteralBytes() {
    return writer.patchLiteralBytes();
  }

  /** This slave's entry of the master's status (names documented in docs/operations.md). */
  Map<String, Object> status(long nowMillis) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", slave.name());
    m.put("address", slave.host() + ":" + slave.port());
    m.put("connected", connected());
    m.put("state", feed.state());
    m.put("lastAckedSeq", lag.lastAckedSeq());
    m.put("lagBatches", lagBatches());
    m.put("lagBytes", lag.bytes());
    m.put("lagSeconds", lagSeconds(nowMillis));
    long at = lag.lastAckAtMillis();
    m.put("lastAppliedAt", at == 0 ? null : Instant.ofEpochMilli(at).toString());
    m.put("queuedBytes", queuedBytes());
    m.put("journalBytes", queuedBytes()); // the old name of queuedBytes, kept for scripts (docs/operations.md)
    m.put("journalPosition", feed.journalPosition());
    m.put("journalBacklogBatches", journalBacklog());
    m.put("journalResumes", feed.journalResumes());
    m.put("lastError", connection.lastError());
    m.put("sentBytes", sentBytes());
    m.put("receivedBytes", receivedBytes());
    m.put("catchUps", catchUps());
    m.put("patchedFiles", writer.patchedFiles());
    m.put("patchedBytes", writer.patchedBytes());
    m.put("patchLiteralBytes", writer.patchLiteralBytes());
    List<Map<String, String>> failures = new ArrayList<>();
    for (Message.Failure f : acks.lastFailures()) {
      if (failures.size() == LISTED_FAILURES) {
        break;
      }
      failures.add(Map.of("path", f.path(), "reason", f.reason()));
    }
    m.put("failures", failures);
    m.put("check", catchUp.checkStatus());
    m.put("antiEntropy", catchUp.antiEntropyStatus());
    return m;
  }
}
