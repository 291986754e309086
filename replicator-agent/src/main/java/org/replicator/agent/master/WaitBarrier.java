package org.replicator.agent.master;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;
import org.replicator.agent.watch.DirectoryWatcherSource;
import org.replicator.core.batch.Coalescer;
import org.replicator.core.path.RelPath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read-your-writes barrier behind {@code replicator wait}: returns once every change made
 * before the call has been applied on every slave, or false at the deadline.
 *
 * <p>Why two barrier files: inotify is one FIFO per watcher, so once the event of a file created
 * now has been read, every earlier event has been read too and sits in its directory's watch
 * key. But the JDK hands out keys, not events, in order: a busy directory's key can be queued
 * behind ours. A second file, created only after the first one's event arrived, is queued behind
 * every key that was pending then, and each key delivers all its events at once; so when the
 * second event arrives, every event older than the call has been delivered. The batch that
 * carries the barrier (and any file still settling) is then awaited on every slave. If a barrier
 * event is lost (overflow of the reserved folder's own queue), a full rescan stands in for it.
 *
 * <p>Owns the waiters and their barrier files. Threads: {@link #await} on control threads (it
 * blocks), {@link #seen} on the watcher thread.
 */
final class WaitBarrier {
  private static final Logger log = LoggerFactory.getLogger(WaitBarrier.class);

  /** One caller of {@link #await}: two barrier files, then the planned batch. */
  private static final class Waiter {
    final CompletableFuture<Long> planned = new CompletableFuture<>();
    volatile boolean second;
    volatile boolean handedOver;
  }

  private final Path docroot;
  private final Coalescer coalescer;
  /** Whether every slave holds every batch up to the given one. */
  private final LongPredicate allApplied;
  /** Waiters by the barrier file they wait for. */
  private final ConcurrentHashMap<String, Waiter> waiters = new ConcurrentHashMap<>();
  private final AtomicLong counter = new AtomicLong();

  WaitBarrier(Path docroot, Coalescer coalescer, LongPredicate allApplied) {
    this.docroot = docroot;
    this.coalescer = coalescer;
    this.allApplied = allApplied;
  }

  /** Blocks until the changes made before the call are applied on every slave; false at the deadline. */
  boolean await(long timeoutMillis) throws Exception {
    return await(timeoutMillis, allApplied);
  }

  /**
   * Blocks until the changes made before the call are applied where {@code applied} says (given a
   * batch number); false at the deadline.
   */
  boolean await(long timeoutMillis, LongPredicate applied) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    Waiter waiter = new Waiter();
    createFile(waiter);
    Long seq;
    try {
      seq = waiter.planned.get(Math.min(2000, Math.max(1, deadline - System.currentTimeMillis())), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      // A barrier event did not arrive: a full rescan sees everything instead.
      if (handOver(waiter)) {
        waiters.values().remove(waiter);
        coalescer.onRescan("", "barrier-fallback", "barrier event not seen within 2 s");
      }
      try {
        seq = waiter.planned.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
      } catch (TimeoutException again) {
        return false;
      }
    }
    while (System.currentTimeMillis() < deadline) {
      if (applied.test(seq)) {
        return true;
      }
      Thread.sleep(2);
    }
    return false;
  }

  private void createFile(Waiter waiter) throws IOException {
    String name = Long.toString(counter.incrementAndGet());
    waiters.put(name, waiter);
    Path file = docroot.resolve(DirectoryWatcherSource.BARRIER_PREFIX + name);
    Files.createFile(file);
  }

  private boolean handOver(Waiter waiter) {
    synchronized (waiter) {
      if (waiter.handedOver) {
        return false;
      }
      waiter.handedOver = true;
    }
    coalescer.addBarrier(waiter.planned);
    return true;
  }

  /** Watcher thread: the event of barrier file {@code name} arrived. */
  void seen(String name) {
    Waiter waiter = waiters.remove(name);
    try {
      Files.deleteIfExists(docroot.resolve(DirectoryWatcherSource.BARRIER_PREFIX + name));
    } catch (IOException e) {
      log.debug("cannot remove barrier file {}: {}", name, e.toString());
    }
    if (waiter == null) {
      return;
    }
    if (!waiter.second) {
      waiter.second = true;
      try {
        createFile(waiter);
      } catch (IOException e) {
        handOver(waiter);
        coalescer.onRescan("", "barrier-fallback", e.toString());
      }
      return;
    }
    handOver(waiter);
  }

  /** At start: barrier files a previous run left behind are removed. */
  void cleanFiles() throws IOException {
    Path reserved = docroot.resolve(RelPath.RESERVED);
    if (!Files.isDirectory(reserved)) {
      return;
    }
    try (var files = Files.newDirectoryStream(reserved, "barrier-*")) {
      for (Path f : files) {
        Files.deleteIfExists(f);
      }
    }
  }
}
