package org.replicator.cli.faults;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.replicator.cli.e2e.ProcessCluster;

/**
 * Watches the master's {@code status} (what {@code replicator status} prints) and checks every
 * "in sync" claim it makes for a slave ({@code state} {@code live} with {@code lagBatches} 0)
 * against a full tree comparison taken right after the claim.
 *
 * <p>Why this is sound: a claim is only checked once the master's tree has been still for longer
 * than the master needs to notice a change ({@link #QUIET_MS}, far above the batch window), and
 * no write happens between the claim and the comparison (the workload marks each write with
 * {@link #masterWrote()}; a claim overlapped by a write is discarded). A slave that is truly
 * current cannot differ from a still master, so a difference after such a claim is a false
 * "in sync". A master that is down, or cannot be asked, makes no claim.
 */
final class SyncClaimChecker implements AutoCloseable {
  static final long QUIET_MS = 3_000;

  private final ProcessCluster cluster;
  private final AtomicLong lastWrite = new AtomicLong(System.currentTimeMillis());
  private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong claimsChecked = new AtomicLong();
  private final Thread thread;
  private volatile boolean stop;

  SyncClaimChecker(ProcessCluster cluster) {
    this.cluster = cluster;
    this.thread = new Thread(this::run, "faults-sync-claims");
    thread.setDaemon(true);
  }

  SyncClaimChecker start() {
    thread.start();
    return this;
  }

  /** Called by the workload before (and after) each change it makes on the master. */
  void masterWrote() {
    lastWrite.set(System.currentTimeMillis());
  }

  long claimsChecked() {
    return claimsChecked.get();
  }

  List<String> violations() {
    synchronized (violations) {
      return List.copyOf(violations);
    }
  }

  private void run() {
    while (!stop) {
      try {
        checkOnce();
        Thread.sleep(300);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        violations.add("checker failed: " + e);
      }
    }
  }

  private void checkOnce() {
    long before = lastWrite.get();
    if (System.currentTimeMillis() - before < QUIET_MS) {
      return;
    }
    JsonNode status;
    try {
      status = cluster.status();
    } catch (IOException e) {
      return; // the master is down or restarting: no claim
    }
    for (JsonNode s : status.path("slaves")) {
      if (!s.path("state").asText().equals("live") || s.path("lagBatches").asLong(-1) != 0) {
        continue;
      }
      String slave = s.path("name").asText();
      List<String> diff;
      try {
        diff = cluster.differences(slave);
      } catch (RuntimeException e) {
        continue; // a file vanished while snapshotting: the tree was moving, not a quiet claim
      }
      if (lastWrite.get() != before) {
        return; // the master changed during the check; the claim proves nothing
      }
      claimsChecked.incrementAndGet();
      if (!diff.isEmpty()) {
        violations.add("master status claims " + slave + " in sync (" + s + ") while the trees differ: "
            + diff.subList(0, Math.min(10, diff.size())));
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.interrupt();
    thread.join(30_000);
  }
}
