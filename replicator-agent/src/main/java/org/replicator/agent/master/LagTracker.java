package org.replicator.agent.master;

import java.util.ArrayDeque;

/**
 * Batches a slave has not acknowledged yet: how many, how many bytes, since when. Every batch is
 * recorded, also those a disconnected or catching-up slave will receive through catch-up, so lag
 * grows while a slave is away. Memory is bounded: past {@link #MAX_TRACKED} batches only counts
 * and the oldest time are kept. Guarded by {@code this}.
 */
final class LagTracker {
  static final int MAX_TRACKED = 100_000;

  private record Pending(long seq, long createdAtMillis, long bytes) {}

  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private long untrackedBatches;
  private long untrackedBytes;
  private long untrackedUpToSeq;
  private long lastAckedSeq;
  private long lastAckAtMillis;

  synchronized void batchCreated(long seq, long createdAtMillis, long bytes) {
    if (pending.size() >= MAX_TRACKED) {
      untrackedBatches++;
      untrackedBytes += bytes;
      untrackedUpToSeq = seq;
      return;
    }
    pending.addLast(new Pending(seq, createdAtMillis, bytes));
  }

  /** The slave holds everything up to {@code seq}. */
  synchronized void acknowledged(long seq, long atMillis) {
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
    return pending.size() + untrackedBatches;
  }

  synchronized long bytes() {
    long sum = untrackedBytes;
    for (Pending p : pending) {
      sum += p.bytes();
    }
    return sum;
  }

  /** Age of the oldest unacknowledged batch, 0 when none. */
  synchronized double seconds(long nowMillis) {
    return pending.isEmpty() ? 0 : Math.max(0, nowMillis - pending.peekFirst().createdAtMillis()) / 1000.0;
  }
}
