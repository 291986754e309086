package org.replicator.agent.slave;

import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.replicator.agent.net.Pipelines;

/**
 * The slave's own lag: how long it cannot vouch that its docroot holds what the master has. It
 * only uses what the slave itself observes, on its own monotonic clock, so clock skew between
 * nodes never drains a slave. Three things make it grow (docs/operations.md, "Slave lag"):
 *
 * <ul>
 *   <li>a batch received and not applied yet: age since its BATCH_BEGIN arrived;
 *   <li>no proof of being current: from the agent's start, from the last frame heard before a
 *       disconnect, or from a MANIFEST_REQUEST (the master found the trees differ), until the batch
 *       that ends the catch-up is applied (the master sends one, empty if nothing differs, after
 *       every (re)connect and catch-up);
 *   <li>a silent master: no frame, not even a ping, for more than {@link #SILENCE_GRACE_NANOS}
 *       while connected (the master pings after 1 s of quiet).
 * </ul>
 *
 * What it cannot see: batches queued on the master that were never sent. A slave that keeps up
 * batch by batch but falls behind in aggregate shows it once the master switches it to catch-up
 * (its queue overflows at 256 batches or 32 MiB); the master's metrics show it at once.
 *
 * <p>Threads: the receiver's event loop and the apply loop write, the agent-check and freshness
 * writer read; guarded by {@code this}.
 */
final class Staleness {
  /**
   * A connected master that says nothing this long (five missed pings; the master drops a silent
   * slave after as long) is not vouching for us.
   */
  static final long SILENCE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(Pipelines.MASTER_SILENCE_SECONDS);
  /** BATCH_BEGINs remembered; the apply queue holds 64 frames, so this is never reached in practice. */
  static final int MAX_PENDING = 1024;

  /** The figures at one instant, with the reason of the largest one. */
  record Lag(double seconds, int batches, boolean connected, String reason) {}

  private record Pending(long seq, long arrivedAt) {}

  private final LongSupplier nanos;
  private final long startedAt;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private boolean connected;
  private boolean everConnected;
  private boolean behind = true;
  private long behindSince;
  private long lastHeard;

  Staleness(LongSupplier nanos) {
    this.nanos = nanos;
    this.startedAt = nanos.getAsLong();
    this.behindSince = startedAt;
    this.lastHeard = startedAt;
  }

  /** A master's handshake was accepted (a new connection replaces any older one). */
  synchronized void connected() {
    markBehindSince(oldestKnownCurrent());
    pending.clear();
    connected = true;
    everConnected = true;
    lastHeard = nanos.getAsLong();
  }

  /** The master's connection is gone: we were current, at best, as of the last frame heard. */
  synchronized void disconnected() {
    if (!connected) {
      return;
    }
    markBehindSince(oldestKnownCurrent());
    pending.clear();
    connected = false;
  }

  /** Any frame from the master, pings included. */
  synchronized void heard() {
    lastHeard = nanos.getAsLong();
  }

  synchronized void batchBegun(long seq) {
    lastHeard = nanos.getAsLong();
    if (pending.size() < MAX_PENDING) {
      pending.addLast(new Pending(seq, lastHeard));
    }
  }

  /** The master asks for our manifest: it found our tree different from its own. */
  synchronized void catchUpRequested() {
    lastHeard = nanos.getAsLong();
    markBehindSince(lastHeard);
  }

  /**
   * Apply loop: batch {@code seq} is applied and persisted. Without failures it proves the slave
   * current as of that batch; a batch of an older connection (not pending here) proves nothing.
   */
  synchronized void batchApplied(long seq, boolean withoutFailures) {
    Pending head = pending.peekFirst();
    if (head == null || head.seq() != seq) {
      return;
    }
    pending.removeFirst();
    if (!withoutFailures) {
      markBehindSince(head.arrivedAt()); // the master retries what failed by diff
    } else if (connected) {
      behind = false;
    }
  }

  synchronized Lag lag() {
    long now = nanos.getAsLong();
    double seconds = 0;
    String reason = "";
    if (behind) {
      seconds = age(now, behindSince);
      if (!connected) {
        reason = everConnected
            ? String.format(Locale.ROOT, "no master connection for %.1f s", seconds)
            : String.format(Locale.ROOT, "no master connection since the agent started %.1f s ago", seconds);
      } else {
        reason = String.format(Locale.ROOT, "catching up for %.1f s", seconds);
      }
    }
    Pending head = pending.peekFirst();
    if (head != null && age(now, head.arrivedAt()) > seconds) {
      seconds = age(now, head.arrivedAt());
      reason = String.format(Locale.ROOT, "batch %d received %.1f s ago, not applied yet", head.seq(), seconds);
    }
    if (connected && now - lastHeard > SILENCE_GRACE_NANOS && age(now, lastHeard) > seconds) {
      seconds = age(now, lastHeard);
      reason = String.format(Locale.ROOT, "master silent for %.1f s", seconds);
    }
    return new Lag(seconds, pending.size(), connected, reason);
  }

  private long oldestKnownCurrent() {
    Pending head = pending.peekFirst();
    return head == null ? lastHeard : Math.min(head.arrivedAt(), lastHeard);
  }

  private void markBehindSince(long since) {
    if (!behind) {
      behind = true;
      behindSince = since;
    }
  }

  private static double age(long now, long since) {
    return Math.max(0, now - since) / 1e9;
  }
}
