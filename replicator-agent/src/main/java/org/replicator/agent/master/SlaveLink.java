package org.replicator.agent.master;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.replicator.agent.journal.Journal;
import org.replicator.agent.journal.JournalEntry;
import org.replicator.agent.journal.JournalGapException;
import org.replicator.agent.net.Pipelines;
import org.replicator.agent.net.SessionLimits;
import org.replicator.agent.net.TrafficMeter;
import org.replicator.agent.stats.ErrorKind;
import org.replicator.agent.stats.SlaveLagView;
import org.replicator.agent.tls.PeerRejectedException;
import org.replicator.agent.tls.PeerVerifier;
import org.replicator.agent.tls.TlsFailures;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.index.Index;
import org.replicator.core.plan.CatchUpPlanner;
import org.replicator.core.plan.PlannedOp;
import org.replicator.core.plan.TreeDifferences;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's pipeline to one slave: dials it (reconnecting with backoff and jitter), catches it
 * up by tree digest and manifest diff, then streams live batches in order and tracks its lag.
 *
 * <p>Independent of every other slave: batches are offered without blocking into this link's
 * bounded queue; when it overflows (a slow slave), the queue is dropped and the slave is caught up
 * by diff instead — memory never grows with the backlog. Threads: one sender thread of its own
 * (blocking file reads and socket writes with writability waits), plus Netty's event loop for
 * inbound frames ({@link MasterSessionHandler}). Mode and queue are guarded by {@code this}.
 */
final class SlaveLink implements SlaveLagView {
  /** A dial that has not connected in this long is abandoned and retried. */
  static final int CONNECT_TIMEOUT_MILLIS = 3000;
  /**
   * The reconnect backoff doubles from 100 ms up to this (plus up to 20 % jitter). Short, because
   * after a cut heals the slave waits for the next dial: with a 3 s connect timeout a healed
   * network is found within about 5 s. A dead slave costs one SYN every few seconds.
   */
  static final long MAX_BACKOFF_MILLIS = 2000;
  /**
   * A slave further behind than this is caught up by tree comparison, not by journal replay:
   * bench/offline-slave.sh measured 3,677 batches (6 min at 10 changes/s) replayed in 15 s, so an
   * hour away would take minutes, while the comparison sends each changed path once.
   */
  static final long MAX_REPLAY_BATCHES = 1000;

  /** The master's silence limit: {@link Pipelines#MASTER_SILENCE_SECONDS}, or shorter limits of a test. */
  static int silenceSeconds(SessionLimits limits) {
    return Math.min(limits.readIdleSeconds(), Pipelines.MASTER_SILENCE_SECONDS);
  }
  private static final Logger log = LoggerFactory.getLogger(SlaveLink.class);
  static final int QUEUE_BATCHES = 256;
  static final long QUEUE_BYTES = 32L << 20;

  enum Mode { DISCONNECTED, CATCHING_UP, LIVE }

  private final MasterAgent master;
  private final NodeConfig slave;
  private final EventLoopGroup group;
  private final long writeLimit;
  /** Accepts only this slave's certificate; null for {@code transport: plain}. */
  private final SslContext tls;
  private final SessionLimits limits;
  final LagTracker lag = new LagTracker();
  private final TrafficMeter meter = new TrafficMeter();
  final BlockingQueue<Message> inbox = new ArrayBlockingQueue<>(1024);
  private final ArrayDeque<PlannedBatch> queue = new ArrayDeque<>();
  private final BatchWriter writer;
  private final Journal journal;
  private long queuedBytes;
  private Mode mode = Mode.DISCONNECTED;
  private long bufferFrom = Long.MAX_VALUE;
  /**
   * Non-null while the link sends from the journal instead of its queue (after a reconnect that
   * resumed, or a queue overflow); the queue stays empty meanwhile. Guarded by this.
   */
  private Journal.Reader reader;
  /** The highest batch offered to this link, and the last one the sender took. Guarded by this. */
  private long lastOffered;
  private long lastTaken;
  private boolean resumedUnproven;
  private final java.util.concurrent.atomic.AtomicLong journalResumes = new java.util.concurrent.atomic.AtomicLong();
  private boolean needsCatchUp = true;
  private long catchUpNotBefore;
  private int failureStreak;
  private volatile boolean speaksPatches;
  private final java.util.concurrent.atomic.AtomicLong patches = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong patchedBytes = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong patchLiteralBytes = new java.util.concurrent.atomic.AtomicLong();
  private volatile Channel channel;
  private volatile String lastError;
  /** Why the session handler closed the current connection, if it knows; reset at every dial. */
  private volatile String closeReason;
  private volatile List<Message.Failure> lastFailures = List.of();
  private volatile boolean running = true;
  private Thread thread;
  private TreeCheck pendingCheck; // guarded by this
  private final long antiEntropyNanos;
  private long nextAntiEntropy; // sender thread
  private final java.util.concurrent.atomic.AtomicLong antiEntropyRuns = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong driftedPaths = new java.util.concurrent.atomic.AtomicLong();
  private volatile Map<String, Object> lastAntiEntropy;
  private volatile TreeCheck runningCheck;
  private final java.util.concurrent.atomic.AtomicLong acks = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong catchUpsWithChanges = new java.util.concurrent.atomic.AtomicLong();

  SlaveLink(MasterAgent master, NodeConfig slave, EventLoopGroup group, long writeLimit, SslContext tls, SessionLimits limits) {
    this.master = master;
    this.slave = slave;
    this.group = group;
    this.writeLimit = writeLimit;
    this.tls = tls;
    this.limits = limits;
    this.writer = new BatchWriter(master.docroot(), this, master.deltas());
    this.journal = master.journal();
    this.antiEntropyNanos = TimeUnit.SECONDS.toNanos(master.antiEntropyIntervalSeconds());
  }

  @Override
  public String name() {
    return slave.name();
  }

  void start() {
    thread = new Thread(this::run, "replicator-send-" + slave.name());
    thread.setDaemon(true);
    thread.start();
  }

  void stop() {
    running = false;
    Channel ch = channel;
    if (ch != null) {
      ch.close();
    }
    synchronized (this) {
      notifyAll();
    }
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
  synchronized void offer(PlannedBatch batch) {
    lag.batchCreated(batch.seq(), batch.createdAtMillis(), batch.bytes());
    lastOffered = batch.seq();
    boolean accept = mode == Mode.LIVE || (mode == Mode.CATCHING_UP && batch.seq() > bufferFrom);
    if (!accept) {
      return; // catch-up will bring the slave there by diff
    }
    if (reader != null || batch.seq() <= lastTaken) {
      // The sender reads it from the journal, or already did: a reader that caught up between
      // the planner's append and this offer must not be followed by the same batch again.
      notifyAll();
      return;
    }
    if (queue.size() >= QUEUE_BATCHES || queuedBytes + batch.memoryBytes() > QUEUE_BYTES) {
      int droppedBatches = queue.size(); // for the log line below: the queue is cleared first
      long droppedBytes = queuedBytes;
      queue.clear();
      queuedBytes = 0;
      if (mode == Mode.LIVE && !needsCatchUp && journal.covers(lastTaken)) {
        // The backlog lives on disk: the sender reads on from the journal, memory stays bounded.
        log.info("slave={} is slow: over {} batches or {} bytes queued; sending from the journal after batch {}", slave.name(),
            QUEUE_BATCHES, QUEUE_BYTES, lastTaken);
        reader = journal.reader(lastTaken);
      } else {
        log.warn("slave={} is slow: {} batches ({} bytes in memory) queued; switching to catch-up by diff", slave.name(), droppedBatches,
            droppedBytes);
        needsCatchUp = true;
        bufferFrom = Long.MAX_VALUE;
        if (mode == Mode.LIVE) {
          mode = Mode.CATCHING_UP;
        }
      }
    } else {
      queue.addLast(batch);
      queuedBytes += batch.memoryBytes();
    }
    notifyAll();
  }

  /** Planner thread, inside the snapshot task: batches after {@code seq} are queued from now on. */
  synchronized void bufferAfter(long seq) {
    dropReader();
    lastTaken = seq; // the diff brings the slave to seq: a journal read later starts after it
    queue.clear();
    queuedBytes = 0;
    bufferFrom = seq;
  }

  private void run() {
    long backoff = 100;
    while (running) {
      try {
        Message.HelloReply reply = connect();
        backoff = 100;
        serve(reply);
      } catch (InterruptedException e) {
        if (!running) {
          break;
        }
      } catch (Exception e) {
        if (!running) {
          break;
        }
        String error = e.getMessage() == null ? e.toString() : e.getMessage();
        master.errors().add(ErrorKind.CONNECTION);
        if (!error.equals(lastError)) {
          log.warn("slave={} address={}:{} {}; will retry", slave.name(), slave.host(), slave.port(), error);
        }
        lastError = error;
      }
      closeChannel();
      if (!running) {
        break;
      }
      long sleep = backoff + ThreadLocalRandom.current().nextLong(backoff / 5 + 1);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
      try {
        Thread.sleep(sleep);
      } catch (InterruptedException e) {
        if (!running) {
          break;
        }
      }
    }
  }

  private Message.HelloReply connect() throws Exception {
    synchronized (this) {
      mode = Mode.DISCONNECTED;
      dropReader();
      queue.clear();
      queuedBytes = 0;
      needsCatchUp = true;
    }
    inbox.clear();
    closeReason = null;
    Bootstrap b = new Bootstrap()
        .group(group)
        .channel(org.replicator.agent.net.Transport.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        // Short: a SYN lost in a cut is retried by TCP only after 1 s, 3 s, 7 s...; a fresh
        // attempt every few seconds finds a healed network sooner.
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            SslHandler ssl = tls == null ? null : tls.newHandler(ch.alloc(), slave.host(), slave.port());
            Pipelines.addCodec(ch.pipeline(), ssl, writeLimit, meter, silenceSeconds(limits), limits.handshakeTimeoutMillis());
            ch.pipeline().addLast("session", new MasterSessionHandler(SlaveLink.this, limits));
          }
        });
    ChannelFuture f = b.connect(new InetSocketAddress(slave.host(), slave.port()));
    if (!f.await(CONNECT_TIMEOUT_MILLIS + 1000, TimeUnit.MILLISECONDS) || !f.isSuccess()) {
      Throwable cause = f.cause();
      f.channel().close();
      throw new IOException("cannot connect: " + (cause == null ? "timed out" : cause.getMessage()));
    }
    channel = f.channel();
    String peer = "";
    if (tls != null) {
      peer = " certificate " + authenticate(channel);
    }
    channel.writeAndFlush(master.hello(slave));
    Message first = inbox.poll(30, TimeUnit.SECONDS);
    if (!(first instanceof Message.HelloReply reply)) {
      String why = closeReason;
      throw new IOException(first == null ? "no handshake answer within 30 s"
          : why != null ? "connection closed before the handshake answer: " + why
          : "no handshake answer, got " + first.type());
    }
    if (!reply.accepted()) {
      throw new IOException("slave refused the handshake: " + reply.reason());
    }
    if (!Protocol.compatible(reply.major(), reply.minor())) {
      throw new IOException("slave speaks protocol " + reply.major() + "." + reply.minor() + ", we speak " + Protocol.MAJOR + "." + Protocol.MINOR);
    }
    speaksPatches = Protocol.negotiatedMinor(reply.minor()) >= Protocol.MINOR_PATCHES;
    lastError = null;
    log.info("slave={} connected address={}{} lastAppliedSeq={}", slave.name(), channel.remoteAddress(), peer, reply.lastAppliedSeq());
    // The catch-up at every connection compares the trees: the next anti-entropy run is due one
    // interval from now.
    nextAntiEntropy = System.nanoTime() + antiEntropyNanos;
    resumeFromJournal(reply.lastAppliedSeq());
    return reply;
  }

  /**
   * After the handshake: when the journal still holds every batch after the slave's applied
   * position, the slave is sent those instead of being compared by tree (the restart of either side
   * costs only the batches it missed). Otherwise the catch-up runs, and the log says why.
   */
  private void resumeFromJournal(long applied) {
    long last = journal.lastSeq();
    String why;
    if (applied <= 0) {
      why = "the slave has applied no batch yet";
    } else if (applied > last) {
      why = "the slave is at batch " + applied + ", past the journal's last batch " + last + " (another master's numbering)";
    } else if (!journal.covers(applied)) {
      why = "the slave is at batch " + applied + ", older than what the journal retains (max_bytes/max_age_s)";
    } else if (journal.ackedSeq(slave.name()) < 0) {
      // Batch numbers alone do not prove the slave holds *this* journal's batches: a master whose
      // state was reset, or another master, numbers from 1 again. Only a slave this journal saw
      // acknowledge is resumed; the first connection costs one comparison.
      why = "this master's journal has no acknowledgement from the slave yet (a new or reset master's numbering)";
    } else if (applied < journal.ackedSeq(slave.name())) {
      why = "the slave is at batch " + applied + ", behind the batch " + journal.ackedSeq(slave.name())
          + " it acknowledged before (its state was restored or reset)";
    } else if (last - applied > MAX_REPLAY_BATCHES) {
      why = "the slave is " + (last - applied) + " batches behind (over " + MAX_REPLAY_BATCHES
          + "): comparing trees sends only the net differences, sooner than replaying every batch";
    } else {
      synchronized (this) {
        reader = journal.reader(applied);
        lastTaken = applied;
        needsCatchUp = false;
        mode = Mode.LIVE;
        resumedUnproven = true;
      }
      lag.acknowledged(applied, System.currentTimeMillis());
      journalResumes.incrementAndGet();
      log.info("slave={} resuming from the journal after batch {} ({} batches to send)", slave.name(), applied, last - applied);
      return;
    }
    log.info("slave={} catch-up by tree comparison: {}", slave.name(), why);
  }

  /** Guarded by this. */
  private void dropReader() {
    if (reader != null) {
      try {
        reader.close();
      } catch (IOException e) {
        log.debug("slave={} closing the journal reader: {}", slave.name(), e.toString());
      }
      reader = null;
    }
  }

  /** Waits for the TLS handshake; the slave's certificate has passed the verifier when it succeeds. */
  private String authenticate(Channel ch) throws IOException, InterruptedException {
    SslHandler ssl = ch.pipeline().get(SslHandler.class);
    var handshake = ssl.handshakeFuture();
    if (!handshake.await(limits.handshakeTimeoutMillis() + 1000, TimeUnit.MILLISECONDS) || !handshake.isSuccess()) {
      Throwable cause = handshake.cause();
      throw new IOException("TLS handshake failed: " + (cause == null ? "timed out" : TlsFailures.describe(cause)));
    }
    try {
      PeerVerifier.checkEstablished(ssl.engine().getSession(), slave.name(), "slave");
    } catch (PeerRejectedException e) {
      throw new IOException("TLS handshake failed: " + e.getMessage(), e);
    }
    return TlsFailures.peer(ssl.engine().getSession());
  }

  private void serve(Message.HelloReply reply) throws Exception {
    long slaveDigest = reply.treeDigest();
    boolean first = true;
    while (running && channel.isActive()) {
      if (master.paused()) {
        synchronized (this) {
          wait(500); // pings keep the connection up; queued batches wait, an overflow becomes a diff
        }
        continue;
      }
      boolean catchUp;
      synchronized (this) {
        catchUp = needsCatchUp && System.currentTimeMillis() >= catchUpNotBefore;
        if (catchUp) {
          mode = Mode.CATCHING_UP;
          bufferFrom = Long.MAX_VALUE;
          dropReader();
        }
      }
      if (catchUp) {
        catchUp(first ? slaveDigest : null);
        first = false;
        continue;
      }
      TreeCheck check = null;
      synchronized (this) {
        // Not while sending from the journal: a comparison must see every batch up to its snapshot.
        if (mode == Mode.LIVE && !needsCatchUp && reader == null) {
          check = pendingCheck;
          pendingCheck = null;
        }
      }
      if (check != null && check.over()) {
        check = null; // cancelled while it waited: its client went away or gave up
      }
      if (check == null && reader() == null && antiEntropyNanos > 0 && System.nanoTime() - nextAntiEntropy > 0) {
        check = new TreeCheck(true, "anti-entropy");
      }
      if (check != null) {
        runCheck(check);
        if (antiEntropyNanos > 0) {
          nextAntiEntropy = System.nanoTime() + antiEntropyNanos; // any full comparison counts
        }
        continue;
      }
      Journal.Reader from = reader();
      if (from != null) {
        sendFromJournal(from);
        continue;
      }
      PlannedBatch next;
      synchronized (this) {
        next = queue.pollFirst();
        if (next == null) {
          wait(500);
          continue;
        }
        queuedBytes -= next.memoryBytes();
        lastTaken = next.seq();
      }
      writer.write(channel, next);
    }
    throw new IOException(running ? "connection lost" : "stopping");
  }

  private synchronized Journal.Reader reader() {
    return reader;
  }

  /**
   * Sender thread: the next journaled batch, or back to the queue once the reader has everything
   * offered so far (offers after that point go to the queue again). A gap (retention dropped what
   * the slave still needs) becomes a catch-up.
   */
  private void sendFromJournal(Journal.Reader from) throws Exception {
    JournalEntry entry;
    try {
      entry = from.next();
    } catch (JournalGapException e) {
      log.warn("slave={} catch-up by tree comparison: {}", slave.name(), e.getMessage());
      requestCatchUp();
      return;
    }
    if (entry == null) {
      boolean proveCurrent = false;
      synchronized (this) {
        if (reader == from && from.position() >= lastOffered) {
          dropReader();
          lastTaken = from.position();
          proveCurrent = resumedUnproven;
          resumedUnproven = false;
        } else {
          wait(100); // appended but not yet offered: the planner is between the two
        }
      }
      if (proveCurrent) {
        // As after a catch-up: an empty batch numbered like the last one is the slave's evidence
        // that it is current again (its lag and agent-check answer depend on it).
        writer.write(channel, new PlannedBatch(from.position(), System.currentTimeMillis(), List.of(), 0));
      }
      return;
    }
    synchronized (this) {
      if (reader != from) {
        return; // a catch-up or disconnect replaced it meanwhile
      }
      lastTaken = entry.seq();
    }
    writer.write(channel, new PlannedBatch(entry.seq(), entry.createdAtMillis(), entry.ops(), entry.bytes()));
  }

  /**
   * Starts a verify ({@code repair} false) or resync of this slave; the sender thread runs it at
   * the next batch boundary once the slave is live. Fails at once when one is already pending.
   */
  TreeCheck check(boolean repair) {
    TreeCheck check = new TreeCheck(repair);
    synchronized (this) {
      // A cancelled check (its client went away) no longer counts, nor does an anti-entropy run:
      // this one waits for it to end.
      TreeCheck running = runningCheck;
      if ((pendingCheck != null && !pendingCheck.over()) || (running != null && running.requested() && !running.over())) {
        check.result.completeExceptionally(new IllegalStateException("a verify or resync of " + slave.name() + " is already running"));
        return check;
      }
      pendingCheck = check;
      notifyAll();
    }
    return check;
  }

  /** What a check asked for now waits for, in words (status, and the CLI's progress). */
  synchronized String checkWaitsFor() {
    if (mode == Mode.DISCONNECTED) {
      return "waiting for slave " + slave.name() + " to connect" + (lastError == null ? "" : " (last error: " + lastError + ")");
    }
    TreeCheck running = runningCheck;
    if (running != null) {
      return "waiting for the " + running.kind + " run of slave " + slave.name() + " to finish";
    }
    if (mode == Mode.CATCHING_UP || needsCatchUp) {
      return "waiting for slave " + slave.name() + " to finish catching up";
    }
    if (reader != null) {
      return "waiting for slave " + slave.name() + " to receive its backlog from the journal";
    }
    return "waiting for the sender of slave " + slave.name() + " to reach the next batch boundary";
  }

  /** Sender thread: see {@link TreeCheck}. */
  private void runCheck(TreeCheck check) throws Exception {
    runningCheck = check;
    try {
      check.phase = "comparing";
      Snapshot snap = master.plainSnapshot();
      // Deliver what the snapshot already includes, so that the slave's list is of the same batch.
      while (true) {
        PlannedBatch b;
        synchronized (this) {
          b = queue.peekFirst();
          if (b == null || b.seq() > snap.seq()) {
            break;
          }
          queue.pollFirst();
          queuedBytes -= b.memoryBytes();
          lastTaken = b.seq();
        }
        writer.write(channel, b);
      }
      if (stopIfCancelled(check, "before the slave listed its tree")) {
        return;
      }
      channel.writeAndFlush(new Message.ManifestRequest());
      Index slaveIndex = receiveManifest();
      List<PlannedOp> all = CatchUpPlanner.diff(slaveIndex, snap.index(), true, master.replicateOwners());
      List<Map<String, String>> differences = TreeDifferences.describe(all, slaveIndex, snap.index(), master.replicateOwners());
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("name", slave.name());
      report.put("seq", snap.seq());
      report.put("entries", snap.index().size());
      report.put("differenceCount", differences.size());
      report.put("differences", differences.subList(0, Math.min(differences.size(), TreeCheck.MAX_LISTED)));
      if (check.repair && !all.isEmpty() && !stopIfCancelled(check, "before sending the repair")) {
        List<PlannedOp> ops = CatchUpPlanner.diff(slaveIndex, snap.index(), master.deletesOnCatchUp(), master.replicateOwners(), master.deltas());
        check.planned(ops);
        check.phase = "transferring";
        long ackedBefore = acks.get();
        long bytes = check.bytesTotal;
        log.info("slave={} resync at batch {}: {} differences, sending {} ops, {} bytes", slave.name(), snap.seq(), differences.size(), ops.size(), bytes);
        writer.write(channel, new PlannedBatch(snap.seq(), System.currentTimeMillis(), ops, bytes), check);
        check.phase = "applying";
        awaitAckAfter(ackedBefore);
        report.put("files", check.filesDone.get());
        report.put("bytes", check.bytesDone.get());
        report.put("failures", lastFailures);
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
    last.put("at", java.time.Instant.now().toString());
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
  private void awaitAckAfter(long before) throws IOException, InterruptedException {
    synchronized (this) {
      while (acks.get() == before && channel.isActive() && running) {
        wait(200);
      }
    }
    if (acks.get() == before) {
      throw new IOException(running ? "connection lost before the slave acknowledged" : "stopping");
    }
  }

  /** Brings the slave to a snapshot of the master's index, sending only the differences. */
  private void catchUp(Long knownDigest) throws Exception {
    synchronized (this) {
      // Cleared first: a request made while this catch-up runs (an aborted file, a failed path in
      // its own ack) sets it again and is served by the next round instead of being lost.
      needsCatchUp = false;
    }
    Snapshot snap = master.snapshotFor(this);
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
      List<PlannedOp> ops = CatchUpPlanner.diff(slaveIndex, snap.index(), master.deletesOnCatchUp(), master.replicateOwners(), master.deltas());
      long bytes = 0;
      for (PlannedOp op : ops) {
        bytes += op.contentBytes();
      }
      log.info("slave={} catching up to batch {}: {} ops, {} bytes", slave.name(), snap.seq(), ops.size(), bytes);
      catchUpsWithChanges.incrementAndGet();
      long ackedBefore = acks.get();
      writer.write(channel, new PlannedBatch(snap.seq(), System.currentTimeMillis(), ops, bytes));
      // Live again only once the slave acknowledged the differences: until then a waiter must not
      // hear "applied" (the earlier batches' acks are not proof of anything the diff repairs).
      awaitAckAfter(ackedBefore);
    }
    synchronized (this) {
      mode = Mode.LIVE;
      notifyAll();
    }
  }

  private Index receiveManifest() throws Exception {
    Index index = new Index();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (true) {
      Message m = inbox.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
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

  /** Event loop: the slave applied {@code ack.seq()}. */
  void acknowledged(Message.Ack ack) {
    lastFailures = ack.failures();
    if (!ack.failures().isEmpty()) {
      master.errors().add(ErrorKind.SLAVE_APPLY, ack.failures().size());
      synchronized (this) {
        // Retry what failed by diff, with backoff so that a full disk is not hammered.
        failureStreak++;
        long delay = Math.min(60_000L, 1000L << Math.min(failureStreak, 6));
        catchUpNotBefore = System.currentTimeMillis() + delay;
        needsCatchUp = true;
        notifyAll();
      }
      log.warn("slave={} batch={} failed for {} paths, e.g. {}: {}; retrying by diff", slave.name(), ack.seq(), ack.failures().size(),
          ack.failures().get(0).path(), ack.failures().get(0).reason());
    } else {
      synchronized (this) {
        failureStreak = 0;
      }
    }
    // Only now: a waiter that sees this batch acknowledged must also see the retry it needs, or it
    // would report "applied" while a path failed.
    lag.acknowledged(ack.seq(), System.currentTimeMillis());
    acks.incrementAndGet();
    synchronized (this) {
      notifyAll();
    }
  }

  /** Any thread: the sender thread re-checks its conditions now (pause, resume). */
  synchronized void wake() {
    notifyAll();
  }

  /** Sender thread: whether this slave's protocol has patches (set at each handshake). */
  boolean speaksPatches() {
    return speaksPatches;
  }

  /** Sender thread: a patch of a {@code size}-byte file went out with {@code literalBytes} of new data. */
  void patchSent(long size, long literalBytes) {
    patches.incrementAndGet();
    patchedBytes.addAndGet(size);
    patchLiteralBytes.addAndGet(literalBytes);
  }

  /**
   * Sender thread: a streamed file changed under us; a diff makes sure the slave ends up right.
   * Except when replaying the journal and the file was changed or deleted since: the planner
   * journals that change after the batch being replayed, so the reader sends it in turn (a file
   * rewritten many times while a slave was away must not cost that slave a tree comparison).
   */
  synchronized void contentAborted(boolean unreadable) {
    if (reader == null || unreadable) {
      needsCatchUp = true;
      log.info("slave={} a file changed while it was sent{}: a tree comparison follows", slave.name(), unreadable ? " or was unreadable" : "");
    }
  }

  /** Compare trees again at the next opportunity. */
  synchronized void requestCatchUp() {
    dropReader();
    needsCatchUp = true;
    bufferFrom = Long.MAX_VALUE;
    queue.clear();
    queuedBytes = 0;
    if (mode == Mode.LIVE) {
      mode = Mode.CATCHING_UP;
    }
    notifyAll();
  }

  void received(Message m) {
    if (!inbox.offer(m)) {
      recordError("inbox overflow: the slave sent more than 1024 unread frames");
      Channel ch = channel;
      if (ch != null) {
        ch.close();
      }
    }
  }

  void recordError(String error) {
    lastError = error;
  }

  /**
   * Session handler: {@code ch} is closing for this reason (a TLS alert, a bad frame). Returns
   * true when the session was established; during the handshake the reason only goes into the
   * error that {@link #connect} throws, which the retry loop logs once, not at every attempt.
   */
  boolean closing(Channel ch, String reason) {
    closeReason = reason;
    synchronized (this) {
      if (ch != channel || mode == Mode.DISCONNECTED) {
        return false;
      }
    }
    lastError = reason;
    return true;
  }

  synchronized void writabilityChanged() {
    notifyAll();
  }

  /** Sender thread: waits until the socket drains below its high-water mark. */
  void awaitWritable(Channel ch) throws InterruptedException, IOException {
    synchronized (this) {
      while (!ch.isWritable() && ch.isActive() && running) {
        wait(200);
      }
    }
    if (!ch.isActive()) {
      throw new IOException("connection lost while sending");
    }
  }

  void disconnected(Channel ch) {
    synchronized (this) {
      if (ch == channel) {
        mode = Mode.DISCONNECTED;
      }
      notifyAll();
    }
    inbox.offer(new Message.ErrorMessage(org.replicator.core.wire.ErrorCode.INTERNAL, "disconnected"));
  }

  private void closeChannel() {
    Channel ch = channel;
    if (ch != null) {
      ch.close().awaitUninterruptibly(2000);
    }
    synchronized (this) {
      mode = Mode.DISCONNECTED;
    }
  }

  synchronized boolean isLive() {
    return mode == Mode.LIVE && !needsCatchUp;
  }

  synchronized Mode mode() {
    return mode;
  }

  /** True once the slave holds every batch up to {@code seq}. */
  boolean hasApplied(long seq) {
    return isLive() && lag.lastAckedSeq() >= seq;
  }

  @Override
  public boolean connected() {
    return mode() != Mode.DISCONNECTED;
  }

  /** Age of the oldest change the slave lacks: unacknowledged, or not even planned yet. */
  @Override
  public double lagSeconds(long nowMillis) {
    return Math.max(lag.seconds(nowMillis), Math.max(0, master.unplannedAgeMillis()) / 1000.0);
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
    return Math.max(lag.batches(), journalBacklog()) + (master.unplannedAgeMillis() >= 0 ? 1 : 0);
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

  /** The last batch handed to the sender (from the queue or the journal). */
  synchronized long journalPosition() {
    return lastTaken;
  }

  @Override
  public long journalBacklog() {
    return Math.max(0, journal.lastSeq() - Math.max(0, lag.lastAckedSeq()));
  }

  long journalResumes() {
    return journalResumes.get();
  }

  /** Batches this link holds in memory (at most {@link #QUEUE_BATCHES}). */
  synchronized int queuedBatches() {
    return queue.size();
  }

  @Override
  public synchronized long queuedBytes() {
    return queuedBytes;
  }

  @Override
  public long sentBytes() {
    return meter.sentBytes();
  }

  @Override
  public long driftedPaths() {
    return driftedPaths.get();
  }

  @Override
  public long catchUps() {
    return catchUpsWithChanges.get();
  }

  @Override
  public long patchedFiles() {
    return patches.get();
  }

  @Override
  public long patchLiteralBytes() {
    return patchLiteralBytes.get();
  }

  @Override
  public long receivedBytes() {
    return meter.receivedBytes();
  }

  Map<String, Object> status(long nowMillis) {
    Map<String, Object> m = new LinkedHashMap<>();
    Mode current = mode();
    m.put("name", slave.name());
    m.put("address", slave.host() + ":" + slave.port());
    m.put("connected", current != Mode.DISCONNECTED);
    m.put("state", switch (current) {
      case DISCONNECTED -> "disconnected";
      case CATCHING_UP -> "catching-up";
      case LIVE -> isLive() ? "live" : "catching-up";
    });
    m.put("lastAckedSeq", lag.lastAckedSeq());
    m.put("lagBatches", lagBatches());
    m.put("lagBytes", lag.bytes());
    m.put("lagSeconds", lagSeconds(nowMillis));
    long at = lag.lastAckAtMillis();
    m.put("lastAppliedAt", at == 0 ? null : java.time.Instant.ofEpochMilli(at).toString());
    m.put("queuedBytes", queuedBytes());
    m.put("journalBytes", queuedBytes()); // the old name of queuedBytes, kept for scripts (docs/operations.md)
    m.put("journalPosition", journalPosition());
    m.put("journalBacklogBatches", journalBacklog());
    m.put("journalResumes", journalResumes.get());
    m.put("lastError", lastError);
    m.put("sentBytes", meter.sentBytes());
    m.put("receivedBytes", meter.receivedBytes());
    m.put("catchUps", catchUpsWithChanges.get());
    m.put("patchedFiles", patches.get());
    m.put("patchedBytes", patchedBytes.get());
    m.put("patchLiteralBytes", patchLiteralBytes.get());
    List<Map<String, String>> failures = new java.util.ArrayList<>();
    for (Message.Failure f : lastFailures) {
      if (failures.size() == 20) {
        break;
      }
      failures.add(Map.of("path", f.path(), "reason", f.reason()));
    }
    m.put("failures", failures);
    TreeCheck check = runningCheck;
    TreeCheck pending;
    synchronized (this) {
      pending = pendingCheck;
    }
    if (check != null) {
      m.put("check", check.progress(null));
    } else if (pending != null && !pending.over()) {
      m.put("check", pending.progress(checkWaitsFor()));
    } else {
      m.put("check", null);
    }
    Map<String, Object> ae = new LinkedHashMap<>();
    ae.put("intervalSeconds", TimeUnit.NANOSECONDS.toSeconds(antiEntropyNanos));
    ae.put("runs", antiEntropyRuns.get());
    ae.put("driftedPathsTotal", driftedPaths.get());
    ae.put("last", lastAntiEntropy);
    m.put("antiEntropy", ae);
    return m;
  }
}
