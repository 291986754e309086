package org.replicator.agent.slave;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.replicator.agent.lifecycle.StartupResults;
import org.replicator.core.index.Entry;
import org.replicator.core.index.Index;
import org.replicator.core.scan.ScanResult;
import org.replicator.core.scan.Scanner;

/**
 * The slave's startup scan on a thread of its own: load the saved index, scan the docroot against
 * it (a file whose stat is unchanged keeps its hash unread, any other is read), and build the index
 * of what is on disk now. {@link SlaveAgent#start} sets up TLS and its listener meanwhile, then
 * {@link #await waits} for the result before it makes the apply loop: the scan is as complete as
 * before, it only no longer waits for TLS (issue 16: the slave's start was TLS, then index load,
 * then scan, one after the other on one thread).
 *
 * <p>Threads: one short-lived daemon thread, {@code replicator-startup-scan}, which owns the
 * scanner until {@link #await} returns.
 */
final class StartupScan {
  /** The saved index as loaded (empty when missing or unusable) and the index of the tree as scanned. */
  record Result(Index saved, Index fresh) {}

  private final CompletableFuture<Result> result = new CompletableFuture<>();
  private final Thread thread;

  private StartupScan(Scanner scanner, Supplier<Index> saved) {
    thread = new Thread(() -> {
      try {
        result.complete(run(scanner, saved.get()));
      } catch (Throwable t) { // handed to await(), which rethrows it on the starting thread
        result.completeExceptionally(t);
      }
    }, "replicator-startup-scan");
    thread.setDaemon(true);
  }

  static StartupScan begin(Scanner scanner, Supplier<Index> saved) {
    StartupScan scan = new StartupScan(scanner, saved);
    scan.thread.start();
    return scan;
  }

  private static Result run(Scanner scanner, Index saved) throws IOException {
    ScanResult scanned = scanner.scan("", saved);
    List<Entry> entries = scanned.entries();
    List<Entry> tree = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      if (!e.path().isEmpty()) {
        tree.add(e);
      }
    }
    return new Result(saved, Index.ofSorted(tree)); // the scan's entries are sorted by path
  }

  /** The result; the scan's own failure (a missing docroot, say) is thrown as it was. */
  Result await() throws IOException, InterruptedException {
    return StartupResults.await(result);
  }

  /** The start failed elsewhere: the scan's result is not wanted; wait for the thread to end. */
  void abandon() {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
