package org.replicator.agent.master;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.replicator.agent.journal.Journal;
import org.replicator.agent.net.SessionLimits;
import org.replicator.agent.stats.ErrorKind;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.plan.Deltas;
import org.replicator.core.wire.Message;
import org.replicator.core.role.Epoch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's pipeline to one slave: runs the sender thread that dials it (reconnecting with
 * backoff and jitter), catches it up, then streams batches in order. The state lives in its parts,
 * each owning its own: {@link SlaveConnection} (socket, handshake, inbox), {@link SlaveFeed}
 * (mode, queue, journal reader: live vs replay vs catch-up), {@link SlaveCatchUp} (tree
 * comparisons: catch-up, verify, resync, anti-entropy), {@link LagTracker} and {@link AckLedger}
 * (acknowledgements); {@link SlaveLinkStats} reads them all for status and metrics. This class
 * only wires them and routes events: it is the {@link SlaveSessionListener} of its connection's
 * handler and the {@link BatchWriter.Listener} of its writer.
 *
 * <p>Independent of every other slave: batches are offered without blocking; a slow slave's
 * queue overflows into the journal or a diff, never into memory. Threads: one sender thread of
 * its own (blocking file reads and socket writes with writability waits), plus Netty's event loop
 * for inbound frames ({@link MasterSessionHandler}). The feed is the link's one monitor.
 */
final class SlaveLink implements SlaveSessionListener, BatchWriter.Listener {
  /**
   * The reconnect backoff doubles from 100 ms up to this (plus up to 20 % jitter). Short, because
   * after a cut heals the slave waits for the next dial: with a 3 s connect timeout a healed
   * network is found within about 5 s. A dead slave costs one SYN every few seconds.
   */
  static final long MAX_BACKOFF_MILLIS = 2000;
  private static final Logger log = LoggerFactory.getLogger(SlaveLink.class);

  private final NodeConfig slave;
  private final LinkHost host;
  final LagTracker lag = new LagTracker();
  private final AckLedger acks = new AckLedger();
  private final SlaveConnection connection;
  private final BatchWriter writer;
  private final SlaveFeed feed;
  private final SlaveCatchUp catchUp;
  private final SlaveLinkStats stats;
  private Thread thread;

  SlaveLink(LinkHost host, NodeConfig slave, EventLoopGroup group, long writeLimit, SslContext tls, SessionLimits limits, Path docroot,
      Deltas deltas, Journal journal, int antiEntropySeconds) {
    this.host = host;
    this.slave = slave;
    this.connection = new SlaveConnection(slave, group, writeLimit, tls, limits);
    this.writer = new BatchWriter(docroot, this, deltas);
    this.feed = new SlaveFeed(slave, journal, lag, writer);
    this.catchUp = new SlaveCatchUp(slave, host, feed, connection, writer, lag, acks, deltas, antiEntropySeconds);
    this.stats = new SlaveLinkStats(slave, host, journal, lag, feed, connection, catchUp, writer, acks);
  }

  @Override
  public String name() {
    return slave.name();
  }

  /** The read-only view for status and metrics. */
  SlaveLinkStats stats() {
    return stats;
  }

  void start() {
    thread = new Thread(this::run, "replicator-send-" + slave.name());
    thread.setDaemon(true);
    thread.start();
  }

  void stop() {
    connection.stop();
    feed.wake();
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Planner thread: never blocks. */
  void offer(PlannedBatch batch) {
    feed.offer(batch);
  }

  /** Compare trees again at the next opportunity. */
  void requestCatchUp() {
    feed.requestCatchUp();
  }

  /** Any thread: the sender thread re-checks its conditions now (pause, resume). */
  void wake() {
    feed.wake();
  }

  /** Starts a verify or resync; see {@link SlaveCatchUp#check}. */
  TreeCheck check(boolean repair) {
    return catchUp.check(repair);
  }

  /** What a check asked for now waits for, in words. */
  String checkWaitsFor() {
    return catchUp.checkWaitsFor();
  }

  /** True once the slave holds every batch up to {@code seq}. */
  boolean hasApplied(long seq) {
    return feed.isLive() && lag.lastAckedSeq() >= seq;
  }

  private void run() {
    long backoff = 100;
    while (connection.running()) {
      try {
        Message.HelloReply reply = connect();
        backoff = 100;
        serve(reply);
      } catch (InterruptedException e) {
        if (!connection.running()) {
          break;
        }
      } catch (Exception e) {
        if (!connection.running()) {
          break;
        }
        String error = e.getMessage() == null ? e.toString() : e.getMessage();
        host.errors().add(ErrorKind.CONNECTION);
        if (!error.equals(connection.lastError())) {
          log.warn("slave={} address={}:{} {}; will retry", slave.name(), slave.host(), slave.port(), error);
        }
        connection.recordError(error);
      }
      connection.closeChannel();
      feed.disconnected(true);
      if (!connection.running()) {
        break;
      }
      long sleep = backoff + ThreadLocalRandom.current().nextLong(backoff / 5 + 1);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
      try {
        Thread.sleep(sleep);
      } catch (InterruptedException e) {
        if (!connection.running()) {
          break;
        }
      }
    }
  }

  private Message.HelloReply connect() throws Exception {
    feed.resetForDial();
    Message.HelloReply reply;
    try {
      reply = connection.dial(host.hello(slave), this);
    } catch (SupersededException e) {
      host.superseded(slave.name(), e.claim());
      throw e;
    }
    catchUp.connected();
    feed.resumeFromJournal(reply.lastAppliedSeq());
    return reply;
  }

  /** Sender thread: one step at a time, the first that applies: pause, catch-up, check, journal, queue. */
  private void serve(Message.HelloReply reply) throws Exception {
    Channel channel = connection.channel();
    long slaveDigest = reply.treeDigest();
    boolean first = true;
    while (connection.running() && channel.isActive()) {
      if (host.paused()) {
        feed.pause(500); // pings keep the connection up; queued batches wait, an overflow becomes a diff
        continue;
      }
      if (feed.beginCatchUpIfDue()) {
        catchUp.catchUp(first ? slaveDigest : null, channel);
        first = false;
        continue;
      }
      if (catchUp.runDueCheck(channel)) {
        continue;
      }
      Journal.Reader from = feed.reader();
      if (from != null) {
        feed.sendFromJournal(from, channel);
        continue;
      }
      feed.sendQueued(channel);
    }
    throw new IOException(connection.running() ? "connection lost" : "stopping");
  }

  // ---- SlaveSessionListener: the event loop ----

  @Override
  public void acknowledged(Message.Ack ack) {
    acks.failures(ack.failures());
    if (!ack.failures().isEmpty()) {
      host.errors().add(ErrorKind.SLAVE_APPLY, ack.failures().size());
      feed.pathsFailed();
      log.warn("slave={} batch={} failed for {} paths, e.g. {}: {}; retrying by diff", slave.name(), ack.seq(), ack.failures().size(),
          ack.failures().get(0).path(), ack.failures().get(0).reason());
    } else {
      feed.pathsApplied();
    }
    // Only now: a waiter that sees this batch acknowledged must also see the retry it needs, or it
    // would report "applied" while a path failed.
    lag.acknowledged(ack.seq(), System.currentTimeMillis());
    acks.counted();
    feed.wake();
  }

  @Override
  public void received(Message m) {
    connection.received(m);
  }

  @Override
  public void handoverRequested(Message.Handover request) {
    // Judged by the role host against its epoch (Fencing.handoverRefusal): never here.
    host.handoverRequested(slave.name(), new Epoch(request.epoch(), request.master()));
  }

  /**
   * Any thread: sends {@code m} on the current connection and waits for it to be written (the
   * handover grant, after which this master stops).
   */
  boolean sendNow(Message m, long timeoutMillis) throws InterruptedException {
    io.netty.channel.Channel ch = connection.channel();
    if (ch == null || !ch.isActive()) {
      return false;
    }
    var f = ch.writeAndFlush(m);
    return f.await(timeoutMillis) && f.isSuccess();
  }

  @Override
  public void recordError(String error) {
    connection.recordError(error);
  }

  @Override
  public boolean closing(Channel ch, String reason) {
    connection.noteCloseReason(reason);
    synchronized (feed) {
      if (ch != connection.channel() || feed.mode() == SlaveFeed.Mode.DISCONNECTED) {
        return false;
      }
    }
    connection.recordError(reason);
    return true;
  }

  @Override
  public void writabilityChanged() {
    feed.wake();
  }

  @Override
  public void disconnected(Channel ch) {
    feed.disconnected(ch == connection.channel());
    connection.ended();
  }

  // ---- BatchWriter.Listener: the sender thread ----

  @Override
  public boolean speaksPatches() {
    return connection.speaksPatches();
  }

  @Override
  public void contentAborted(boolean unreadable) {
    feed.contentAborted(unreadable);
  }

  @Override
  public void awaitWritable(Channel ch) throws InterruptedException, IOException {
    feed.awaitWhile(() -> !ch.isWritable() && ch.isActive() && connection.running(), 200);
    if (!ch.isActive()) {
      throw new IOException("connection lost while sending");
    }
  }
}
