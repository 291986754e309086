package org.replicator.agent.master;

import io.netty.channel.Channel;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.index.Index;
import org.replicator.core.plan.CatchUpPlanner;
import org.replicator.core.plan.Deltas;
import org.replicator.core.plan.PlannedOp;
import org.replicator.core.plan.TreeDifferences;
import org.replicator.core.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything one link does by comparing trees instead of sending batches: the catch-up by tree
 * digest and manifest diff, the operator's verify and resync ({@link TreeCheck}), and the periodic
 * anti-entropy run. Owns the pending and running check and the comparison counters; reads the
 * slave's manifest from the connection and sends through the writer.
 *
 * <p>Threads: runs on the link's sender thread; {@link #check} is called by control threads and
 * the status methods by any thread. The pending check is guarded by the feed (the link's monitor).
 */
final class SlaveCatchUp {
  // One logger name for the whole link (see SlaveConnection).
  private static final Logger log = LoggerFactory.getLogger(SlaveLink.class);

  private final NodeConfig slave;
  private final LinkHost host;
  private final SlaveFeed feed;
  private final SlaveConnection connection;
  private final BatchWriter writer;
  private final LagTracker lag;
  private final AckLedger acks;
  private final Deltas deltas;
  private final long antiEntropyNanos;
  private long nextAntiEntropy; // sender thread
  private TreeCheck pendingCheck; // guarded by feed
  private volatile TreeCheck runningCheck;
  private final AtomicLong antiEntropyRuns = new AtomicLong();
  private final AtomicLong driftedPaths = new AtomicLong();
  private final AtomicLong catchUpsWithChanges = new AtomicLong();
  private volatile Map<String, Object> lastAntiEntropy;

  SlaveCatchUp(NodeConfig slave, LinkHost host, SlaveFeed feed, SlaveConnection connection, BatchWriter writer, LagTracker lag,
      AckLedger acks, Deltas deltas, int antiEntropySeconds) {
    this.slave = slave;
    this.host = host;
    this.feed = feed;
    this.connection = connection;
    this.writer = writer;
    this.lag = lag;
    this.acks = acks;
    this.deltas = deltas;
    this.antiEntropyNanos = TimeUnit.SECONDS.toNanos(antiEntropySeconds);
  }

  /** Sender thread, after a handshake: that connection's catch-up compares the trees, so the next anti-entropy run is one interval away. */
  void connected() {
    nextAntiEntropy = System.nanoTime() + antiEntropyNanos;
  }

  /** Brings the slave to a snapshot of the master's index, sending only the differences. */
  void catchUp(Long knownDigest, Channel channel) throws Exception {
    feed.catchUpStarted();
    // A slave that holds nothing yet may start on the parts of a first scan planned so far; any
    // other waits for the whole rescan, else every file of the later parts would be sent to it
    // again, in full, though it already had it (an adopted slave: issue 16, first start).
    Snapshot snap = host.snapshotFor(feed, knownDigest != null && knownDigest == Index.EMPTY_DIGEST);
    long digest;
    Index slaveIndex = null;
    if (knownDigest != null && knownDigest == snap.index().digest()) {
      digest = knownDigest;
    } else {
      channel.writeAndFlush(new Message.ManifestRequest());
      slaveIndex = receiveManifest();
      digest = slaveIndex.digest();
    }
    if (digest == snap.index().digest()) {
      lag.acknowledged(snap.seq(), System.currentTimeMillis());
      log.info("slave={} in sync at batch {} (tree digests equal)", slave.name(), snap.seq());
      // An empty batch numbered like the snapshot: the slave's only evidence that it is current
      // again after a (re)connect or a catch-up (its lag and agent-check answer depend on it).
      writer.write(channel, new PlannedBatch(snap.seq(), System.currentTimeMillis(), List.of(), 0));
    } else {
      List<PlannedOp> ops = CatchUpPlanner.diff(slaveIndex, snap.index(), host.deletesOnCatchUp(), host.replicateOwners(), deltas);
      long bytes = 0;
      for (PlannedOp op : ops) {
        bytes += op.contentBytes();
      }
      log.info("slave={} catching up to batch {}: {} ops, {} bytes", slave.name(), snap.seq(), ops.size(), bytes);
      catchUpsWithChanges.incrementAndGet();
      long ackedBefore = acks.count();
      writer.write(channel, new PlannedBatch(snap.seq(), System.currentTimeMillis(), ops, bytes));
      // Live again only once the slave acknowledged the differences: until then a waiter must not
      // hear "applied" (the earlier batches' acks are not proof of anything the diff repairs).
      awaitAckAfter(ackedBefore, channel);
    }
    feed.caughtUp();
  }

  private Index receiveManifest() throws Exception {
    Index index = new Index();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (true) {
      Message m = connection.poll(Math.max(1, deadline - System.nanoTime()));
      if (m == null) {
        throw new IOException("manifest not received within 5 minutes");
      }
      if (m instanceof Message.ManifestEntries entries) {
        entries.entries().forEach(index::put);
      } else if (m instanceof Message.ManifestEnd end) {
        if (end.count() != index.size()) {
          throw new IOException("manifest announced " + end.count() + " entries, " + index.size() + " arrived");
        }
        return index;
      } else {
        throw new IOException("unexpected " + m.type() + " during the manifest");
      }
    }
  }

  /**
   * Starts a verify ({@code repair} false) or resync of this slave; the sender thread runs it at
   * the next batch boundary once the slave is live. Fails at once when one is already pending.
   */
  TreeCheck check(boolean repair) {
    TreeCheck check = new TreeCheck(repair);
    synchronized (feed) {
      // A cancelled check (its client went away) no longer counts, nor does an anti-entropy run:
      // this one waits for it to end.
      TreeCheck running = runningCheck;
      if ((pendingCheck != null && !pendingCheck.over()) || (running != null && running.requested() && !running.over())) {
        check.result.completeExceptionally(new IllegalStateException("a verify or resync of " + slave.name() + " is already running"));
        return check;
      }
      pendingCheck = check;
      feed.notifyAll();
    }
    return check;
  }

  /**
   * Sender thread: runs the check that is due (an operator's, taken only at a batch boundary, or
   * the anti-entropy run when its interval has passed). False when none was due.
   */
  boolean runDueCheck(Channel channel) throws Exception {
    TreeCheck check = null;
    synchronized (feed) {
      // Not while sending from the journal: a comparison must see every batch up to its snapshot.
      if (feed.atBatchBoundary()) {
        check = pendingCheck;
        pendingCheck = null;
      }
    }
    if (check != null && check.over()) {
      check = null; // cancelled while it waited: its client went away or gave up
    }
    if (check == null && feed.reader() == null && antiEntropyNanos > 0 && System.nanoTime() - nextAntiEntropy > 0) {
      check = new TreeCheck(true, "anti-entropy");
    }
    if (check == null) {
      return false;
    }
    runCheck(check, channel);
    if (antiEntropyNanos > 0) {
      nextAntiEntropy = System.nanoTime() + antiEntropyNanos; // any full comparison counts
    }
    return true;
  }

  /** What a check asked for now waits for, in words (status, and the CLI's progress). */
  String checkWaitsFor() {
    synchronized (feed) {
      if (feed.mode() == SlaveFeed.Mode.DISCONNECTED) {
        String lastError = connection.lastError();
        return "waiting for slave " + slave.name() + " to connect" + (lastError == null ? "" : " (last error: " + lastError + ")");
      }
      TreeCheck running = runningCheck;
      if (running != null) {
        return "waiting for the " + running.kind + " run of slave " + slave.name() + " to finish";
      }
      String feedWaits = feed.waitsFor();
      return feedWaits != null ? feedWaits : "waiting for the sender of slave " + slave.name() + " to reach the next batch boundary";
    }
  }

  /** Sender thread: see {@link TreeCheck}. */
  private void runCheck(TreeCheck check, Channel channel) throws Exception {
    runningCheck = check;
    try {
      check.phase = "comparing";
      Snapshot snap = host.plainSnapshot();
      // Deliver what the snapshot already includes, so that the slave's list is of the same batch.
      feed.sendQueuedUpTo(snap.seq(), channel);
      if (stopIfCancelled(check, "before the slave listed its tree")) {
        return;
      }
      channel.writeAndFlush(new Message.ManifestRequest());
      Index slaveIndex = receiveManifest();
      List<PlannedOp> all = CatchUpPlanner.diff(slaveIndex, snap.index(), true, host.replicateOwners());
      List<Map<String, String>> differences = TreeDifferences.describe(all, slaveIndex, snap.index(), host.replicateOwners());
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("name", slave.name());
      report.put("seq", snap.seq());
      report.put("entries", snap.index().size());
      report.put("differenceCount", differences.size());
      report.put("differences", differences.subList(0, Math.min(differences.size(), TreeCheck.MAX_LISTED)));
      if (check.repair && !all.isEmpty() && !stopIfCancelled(check, "before sending the repair")) {
        List<PlannedOp> ops = CatchUpPlanner.diff(slaveIndex, snap.index(), host.deletesOnCatchUp(), host.replicateOwners(), deltas);
        check.planned(ops);
        check.phase = "transferring";
        long ackedBefore = acks.count();
        long bytes = check.bytesTotal;
        log.info("slave={} resync at batch {}: {} differences, sending {} ops, {} bytes", slave.name(), snap.seq(), differences.size(), ops.size(), bytes);
        writer.write(channel, new PlannedBatch(snap.seq(), System.currentTimeMillis(), ops, bytes), check);
        check.phase = "applying";
        awaitAckAfter(ackedBefore, channel);
        report.put("files", check.filesDone.get());
        report.put("bytes", check.bytesDone.get());
        report.put("failures", acks.lastFailures());
      } else {
        report.put("files", 0L);
        report.put("bytes", 0L);
        report.put("failures", List.of());
      }
      report.put("repaired", check.repair);
      report.put("millis", (System.nanoTime() - check.startedNanos) / 1_000_000);
      if (check.repair) {
        driftedPaths.addAndGet(differences.size());
      }
      if (check.kind.equals("anti-entropy")) {
        recordAntiEntropy(snap.seq(), differences);
      } else {
        log.info("slave={} {} at batch {}: {} differences", slave.name(), check.kind, snap.seq(), differences.size());
      }
      check.result.complete(report);
    } catch (Exception e) {
      check.result.completeExceptionally(e);
      throw e;
    } finally {
      runningCheck = null;
    }
  }

  /** Sender thread: true (and logged) when {@code check} was cancelled; it stops at {@code where}. */
  private boolean stopIfCancelled(TreeCheck check, String where) {
    if (!check.over()) {
      return false;
    }
    log.info("slave={} {} stopped {}: cancelled", slave.name(), check.kind, where);
    return true;
  }

  /**
   * Sender thread: what an anti-entropy run found. Drift is a WARN naming every path (up to the
   * report's limit) with what differed, and the last run stays in status; metrics count paths only.
   */
  private void recordAntiEntropy(long seq, List<Map<String, String>> differences) {
    antiEntropyRuns.incrementAndGet();
    Map<String, Object> last = new LinkedHashMap<>();
    last.put("at", Instant.now().toString());
    last.put("seq", seq);
    last.put("driftedPaths", differences.size());
    last.put("paths", List.copyOf(differences.subList(0, Math.min(differences.size(), 20))));
    lastAntiEntropy = last;
    if (differences.isEmpty()) {
      log.info("slave={} anti-entropy at batch {}: no drift", slave.name(), seq);
      return;
    }
    StringBuilder paths = new StringBuilder();
    for (Map<String, String> d : differences.subList(0, Math.min(differences.size(), TreeCheck.MAX_LISTED))) {
      paths.append(paths.length() == 0 ? "" : "; ").append(d.get("path")).append(" (").append(d.get("difference")).append(')');
    }
    log.warn("slave={} anti-entropy at batch {}: {} paths had drifted on the slave and were repaired: {}{}", slave.name(), seq,
        differences.size(), paths, differences.size() > TreeCheck.MAX_LISTED ? "; ..." : "");
  }

  /** Sender thread: blocks until an ack arrives after the {@code before}-th one, or the connection ends. */
  private void awaitAckAfter(long before, Channel channel) throws IOException, InterruptedException {
    feed.awaitWhile(() -> acks.count() == before && channel.isActive() && connection.running(), 200);
    if (acks.count() == before) {
      throw new IOException(connection.running() ? "connection lost before the slave acknowledged" : "stopping");
    }
  }

  /** The check in progress or waiting, for status; null when there is none. */
  Map<String, Object> checkStatus() {
    TreeCheck check = runningCheck;
    TreeCheck pending;
    synchronized (feed) {
      pending = pendingCheck;
    }
    if (check != null) {
      return check.progress(null);
    }
    if (pending != null && !pending.over()) {
      return pending.progress(checkWaitsFor());
    }
    return null;
  }

  Map<String, Object> antiEntropyStatus() {
    Map<String, Object> ae = new LinkedHashMap<>();
    ae.put("intervalSeconds", TimeUnit.NANOSECONDS.toSeconds(antiEntropyNanos));
    ae.put("runs", antiEntropyRuns.get());
    ae.put("driftedPathsTotal", driftedPaths.get());
    ae.put("last", lastAntiEntropy);
    return ae;
  }

  long driftedPaths() {
    return driftedPaths.get();
  }

  /** Catch-ups by diff that had something to send. */
  long catchUps() {
    return catchUpsWithChanges.get();
  }
}
