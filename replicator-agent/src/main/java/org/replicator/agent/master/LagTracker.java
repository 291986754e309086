package org.replicator.agent.master;

import java.io.IOException;
import java.util.ArrayDeque;
import org.replicator.agent.journal.Journal;
import org.replicator.agent.journal.JournalEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batches a slave has not acknowledged yet: how many, how many bytes, since when. Every batch is
 * recorded, also those a disconnected or catching-up slave will receive through catch-up, so lag
 * grows while a slave is away; and at the master's start, those the journal holds that the slave
 * never acknowledged ({@link #restore}), so that a restart of the master does not reset the age of
 * what the slave lacks to zero.
 *
 * <p>Memory is bounded: at most {@link #MAX_TRACKED} batches offered and as many restored are kept
 * one by one; past that only counts and the oldest time of the rest (which are all newer than the
 * tracked ones), so once the tracked ones are acknowledged the age is an upper bound. A slave that
 * far behind is caught up by tree comparison anyway. Guarded by {@code this}.
 */
final class LagTracker {
  private static final Logger log = LoggerFactory.getLogger(LagTracker.class);
  static final int MAX_TRACKED = 100_000;

  private record Pending(long seq, long createdAtMillis, long bytes) {}

  /** Batches made before this process started, read from the journal; all older than {@link #pending}. */
  private final ArrayDeque<Pending> restored = new ArrayDeque<>();
  /** Batches offered since this process started, in order. */
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private long untrackedBatches;
  private long untrackedBytes;
  private long untrackedUpToSeq;
  private long untrackedOldestMillis;
  /** Seq of the first batch offered, 0 before: the journal is read up to it, not past. */
  private long firstOfferedSeq;
  private long lastAckedSeq;
  private long lastAckAtMillis;

  synchronized void batchCreated(long seq, long createdAtMillis, long bytes) {
    if (firstOfferedSeq == 0) {
      firstOfferedSeq = seq;
    }
    // Once one is untracked, every newer one is too: the tracked ones stay the oldest.
    if (untrackedBatches > 0 || pending.size() >= MAX_TRACKED) {
      if (untrackedBatches == 0) {
        untrackedOldestMillis = createdAtMillis;
      }
      untrackedBatches++;
      untrackedBytes += bytes;
      untrackedUpToSeq = seq;
      return;
    }
    pending.addLast(new Pending(seq, createdAtMillis, bytes));
  }

  /**
   * The slave's position as the journal persisted it, and the journaled batches after it: what a
   * slave that was away when the master started still lacks, with the time each was made. Call
   * after the link joined the planner's list (so that every batch journaled later is offered to
   * it) and before it connects; reads the journal up to its end or the first batch offered.
   * A journal that cannot be read leaves only what is offered from now on (logged).
   */
  void restore(Journal journal, String slave) {
    long from;
    synchronized (this) {
      lastAckedSeq = Math.max(lastAckedSeq, journal.ackedSeq(slave));
      from = Math.max(lastAckedSeq, journal.floor());
    }
    int read = 0;
    try (Journal.Reader reader = journal.reader(from)) {
      JournalEntry e;
      while ((e = reader.next()) != null && restored(e.seq(), e.createdAtMillis(), e.bytes())) {
        read++;
      }
    } catch (IOException | RuntimeException e) {
      log.warn("slave={} journal={} cannot be read for the lag of batches made before this start ({}); lag counts from now",
          slave, journal.dir(), e.toString());
    }
    if (read > 0) {
      log.info("slave={} has not acknowledged {} journaled batches (after batch {}); its lag counts from the oldest", slave, read, from);
    }
  }

  /** One journaled batch; false once the rest need not be read. */
  private synchronized boolean restored(long seq, long createdAtMillis, long bytes) {
    if (firstOfferedSeq != 0 && seq >= firstOfferedSeq) {
      return false; // offered meanwhile: recorded already, like every later one
    }
    if (restored.size() >= MAX_TRACKED) {
      return false; // the batch count comes from the journal (SlaveLink.journalBacklog); the oldest is known
    }
    if (seq > lastAckedSeq && (restored.isEmpty() || seq > restored.peekLast().seq())) {
      restored.addLast(new Pending(seq, createdAtMillis, bytes));
    }
    return true;
  }

  /** The slave holds everything up to {@code seq}. */
  synchronized void acknowledged(long seq, long atMillis) {
    while (!restored.isEmpty() && restored.peekFirst().seq() <= seq) {
      restored.removeFirst();
    }
    while (!pending.isEmpty() && pending.peekFirst().seq() <= seq) {
      pending.removeFirst();
    }
    if (untrackedUpToSeq <= seq) {
      untrackedBatches = 0;
      untrackedBytes = 0;
    }
    lastAckedSeq = Math.max(lastAckedSeq, seq);
    lastAckAtMillis = atMillis;
  }

  synchronized long lastAckedSeq() {
    return lastAckedSeq;
  }

  synchronized long lastAckAtMillis() {
    return lastAckAtMillis;
  }

  synchronized long batches() {
    return restored.size() + pending.size() + untrackedBatches;
  }

  synchronized long bytes() {
    long sum = untrackedBytes;
    for (Pending p : restored) {
      sum += p.bytes();
    }
    for (Pending p : pending) {
      sum += p.bytes();
    }
    return sum;
  }

  /** Age of the oldest unacknowledged batch, 0 when none. */
  synchronized double seconds(long nowMillis) {
    long oldest;
    if (!restored.isEmpty()) {
      oldest = restored.peekFirst().createdAtMillis();
    } else if (!pending.isEmpty()) {
      oldest = pending.peekFirst().createdAtMillis();
    } else if (untrackedBatches > 0) {
      oldest = untrackedOldestMillis;
    } else {
      return 0;
    }
    return Math.max(0, nowMillis - oldest) / 1000.0;
  }
}
