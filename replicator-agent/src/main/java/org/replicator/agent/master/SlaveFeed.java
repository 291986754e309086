package org.replicator.agent.master;

import io.netty.channel.Channel;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.replicator.agent.journal.Journal;
import org.replicator.agent.journal.JournalEntry;
import org.replicator.agent.journal.JournalGapException;
import org.replicator.core.config.NodeConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one slave is fed next: owns the link's mode, its bounded in-memory queue of live batches
 * and its journal reader, and decides between the three ways a slave gets batches: live from the
 * queue, replayed from the journal (after a reconnect that resumed, or a queue overflow), or a
 * catch-up by diff ({@link SlaveCatchUp}) when neither can prove the slave complete.
 *
 * <p>Memory never grows with the backlog: an overflowing queue is dropped, and the sender reads
 * on from the journal or the slave is caught up by diff. Threads: {@link #offer} on the planner
 * thread (never blocks), the rest on the link's sender thread and the event loop. This object is
 * the link's one monitor: every field below is guarded by it, and the sender thread waits on it
 * for anything (a batch, an ack, writability, a wake).
 */
final class SlaveFeed {
  /**
   * A slave further behind than this is caught up by tree comparison, not by journal replay:
   * bench/offline-slave.sh measured 3,677 batches (6 min at 10 changes/s) replayed in 15 s, so an
   * hour away would take minutes, while the comparison sends each changed path once.
   */
  static final long MAX_REPLAY_BATCHES = 1000;
  static final int QUEUE_BATCHES = 256;
  static final long QUEUE_BYTES = 32L << 20;
  // One logger name for the whole link (see SlaveConnection).
  private static final Logger log = LoggerFactory.getLogger(SlaveLink.class);

  enum Mode { DISCONNECTED, CATCHING_UP, LIVE }

  private final NodeConfig slave;
  private final Journal journal;
  private final LagTracker lag;
  private final BatchWriter writer;
  private final ArrayDeque<PlannedBatch> queue = new ArrayDeque<>();
  private long queuedBytes;
  private Mode mode = Mode.DISCONNECTED;
  private long bufferFrom = Long.MAX_VALUE;
  /**
   * Non-null while the link sends from the journal instead of its queue (after a reconnect that
   * resumed, or a queue overflow); the queue stays empty meanwhile.
   */
  private Journal.Reader reader;
  /** The highest batch offered to this link, and the last one the sender took. */
  private long lastOffered;
  private long lastTaken;
  private boolean resumedUnproven;
  private long journalResumes;
  private boolean needsCatchUp = true;
  private long catchUpNotBefore;
  private int failureStreak;

  SlaveFeed(NodeConfig slave, Journal journal, LagTracker lag, BatchWriter writer) {
    this.slave = slave;
    this.journal = journal;
    this.lag = lag;
    this.writer = writer;
  }

  /** Planner thread: never blocks. */
  synchronized void offer(PlannedBatch batch) {
    lag.batchCreated(batch.seq(), batch.createdAtMillis(), batch.bytes());
    lastOffered = batch.seq();
    boolean accept = mode == Mode.LIVE || (mode == Mode.CATCHING_UP && batch.seq() > bufferFrom);
    if (!accept) {
      return; // catch-up will bring the slave there by diff
    }
    if (reader == null && mode == Mode.CATCHING_UP && bufferFrom != Long.MAX_VALUE && !needsCatchUp && journal.covers(lastTaken)) {
      // A catch-up is sending the differences up to its snapshot (lastTaken, set with bufferFrom)
      // while the planner goes on, e.g. with the parts of a first scan: what follows the snapshot
      // is in the journal already, so it is read from there once the slave acknowledged the
      // differences, and nothing is held in memory meanwhile (the queue is the fallback when the
      // journal lost a batch).
      log.info("slave={} batches after {} wait in the journal until the catch-up is acknowledged", slave.name(), lastTaken);
      reader = journal.reader(lastTaken);
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

  /** Sender thread, before every dial: nothing queued survives a connection. */
  synchronized void resetForDial() {
    mode = Mode.DISCONNECTED;
    dropReader();
    queue.clear();
    queuedBytes = 0;
    needsCatchUp = true;
  }

  /**
   * After the handshake: when the journal still holds every batch after the slave's applied
   * position, the slave is sent those instead of being compared by tree (the restart of either side
   * costs only the batches it missed). Otherwise the catch-up runs, and the log says why.
   */
  void resumeFromJournal(long applied) {
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
        journalResumes++;
      }
      lag.acknowledged(applied, System.currentTimeMillis());
      log.info("slave={} resuming from the journal after batch {} ({} batches to send)", slave.name(), applied, last - applied);
      return;
    }
    log.info("slave={} catch-up by tree comparison: {}", slave.name(), why);
  }

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

  /**
   * Sender thread: true when a catch-up is due now (asked for, and past the retry backoff of
   * failed paths); the feed is then in catch-up mode, its queue and reader dropped.
   */
  synchronized boolean beginCatchUpIfDue() {
    boolean due = needsCatchUp && System.currentTimeMillis() >= catchUpNotBefore;
    if (due) {
      mode = Mode.CATCHING_UP;
      bufferFrom = Long.MAX_VALUE;
      dropReader();
    }
    return due;
  }

  /**
   * Sender thread, as a catch-up starts. Cleared first: a request made while it runs (an aborted
   * file, a failed path in its own ack) sets it again and is served by the next round instead of
   * being lost.
   */
  synchronized void catchUpStarted() {
    needsCatchUp = false;
  }

  /** Sender thread: the slave holds the snapshot; live batches flow again. */
  synchronized void caughtUp() {
    mode = Mode.LIVE;
    notifyAll();
  }

  /** At a batch boundary with nothing owed: a comparison now sees every batch up to its snapshot. */
  synchronized boolean atBatchBoundary() {
    return mode == Mode.LIVE && !needsCatchUp && reader == null;
  }

  synchronized Journal.Reader reader() {
    return reader;
  }

  /**
   * Sender thread: the next journaled batch, or back to the queue once the reader has everything
   * offered so far (offers after that point go to the queue again). A gap (retention dropped what
   * the slave still needs) becomes a catch-up.
   */
  void sendFromJournal(Journal.Reader from, Channel ch) throws Exception {
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
        writer.write(ch, new PlannedBatch(from.position(), System.currentTimeMillis(), List.of(), 0));
      }
      return;
    }
    synchronized (this) {
      if (reader != from) {
        return; // a catch-up or disconnect replaced it meanwhile
      }
      lastTaken = entry.seq();
    }
    writer.write(ch, new PlannedBatch(entry.seq(), entry.createdAtMillis(), entry.ops(), entry.bytes()));
  }

  /** Sender thread: the next queued batch goes out, or the thread waits up to 500 ms for one. */
  void sendQueued(Channel ch) throws Exception {
    PlannedBatch next;
    synchronized (this) {
      next = queue.pollFirst();
      if (next == null) {
        wait(500);
        return;
      }
      queuedBytes -= next.memoryBytes();
      lastTaken = next.seq();
    }
    writer.write(ch, next);
  }

  /** Sender thread: delivers the queued batches up to {@code seq} (what a check's snapshot includes). */
  void sendQueuedUpTo(long seq, Channel ch) throws Exception {
    while (true) {
      PlannedBatch b;
      synchronized (this) {
        b = queue.peekFirst();
        if (b == null || b.seq() > seq) {
          return;
        }
        queue.pollFirst();
        queuedBytes -= b.memoryBytes();
        lastTaken = b.seq();
      }
      writer.write(ch, b);
    }
  }

  /** Event loop: an ack listed failed paths; they are retried by diff, with backoff so that a full disk is not hammered. */
  synchronized void pathsFailed() {
    failureStreak++;
    long delay = Math.min(60_000L, 1000L << Math.min(failureStreak, 6));
    catchUpNotBefore = System.currentTimeMillis() + delay;
    needsCatchUp = true;
    notifyAll();
  }

  /** Event loop: an ack without failures ends the retry backoff. */
  synchronized void pathsApplied() {
    failureStreak = 0;
  }

  /**
   * Sender thread: a streamed file changed under us; a diff makes sure the slave ends up right.
   * Except when replaying the journal and the file was changed or deleted since: the planner
   * journals that change after the batch being replayed, so the reader sends it in turn (a file
   * rewritten many times while a slave was away must not cost that slave a tree comparison).
   */
  synchronized void contentAborted(boolean unreadable) {
    // While catching up (a reader may wait for the catch-up's end) the diff's own file failed: compare again.
    if (reader == null || unreadable || mode == Mode.CATCHING_UP) {
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

  /** The connection ended; {@code current} says it was the link's current one (not a stale dial). */
  synchronized void disconnected(boolean current) {
    if (current) {
      mode = Mode.DISCONNECTED;
    }
    notifyAll();
  }

  /** Any thread: the sender thread re-checks its conditions now (pause, resume, writability, an ack). */
  synchronized void wake() {
    notifyAll();
  }

  /** Sender thread: waits while {@code condition} holds, re-checking at every wake and every {@code sliceMillis}. */
  synchronized void awaitWhile(BooleanSupplier condition, long sliceMillis) throws InterruptedException {
    while (condition.getAsBoolean()) {
      wait(sliceMillis);
    }
  }

  /** Sender thread: one wait of up to {@code millis}, or until woken. */
  synchronized void pause(long millis) throws InterruptedException {
    wait(millis);
  }

  synchronized boolean isLive() {
    return mode == Mode.LIVE && !needsCatchUp;
  }

  synchronized Mode mode() {
    return mode;
  }

  /** Mode DISCONNECTED, CATCHING_UP or LIVE, but LIVE with a catch-up owed reads as catching up. */
  synchronized String state() {
    return switch (mode) {
      case DISCONNECTED -> "disconnected";
      case CATCHING_UP -> "catching-up";
      case LIVE -> needsCatchUp ? "catching-up" : "live";
    };
  }

  /** What a check asked for now waits for, as far as the feed is concerned; null at a batch boundary. */
  synchronized String waitsFor() {
    if (mode == Mode.CATCHING_UP || needsCatchUp) {
      return "waiting for slave " + slave.name() + " to finish catching up";
    }
    if (reader != null) {
      return "waiting for slave " + slave.name() + " to receive its backlog from the journal";
    }
    return null;
  }

  /** The last batch handed to the sender (from the queue or the journal). */
  synchronized long journalPosition() {
    return lastTaken;
  }

  synchronized long journalResumes() {
    return journalResumes;
  }

  /** Batches held in memory (at most {@link #QUEUE_BATCHES}). */
  synchronized int queuedBatches() {
    return queue.size();
  }

  synchronized long queuedBytes() {
    return queuedBytes;
  }
}
