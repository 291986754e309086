package org.replicator.agent.watch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.replicator.core.batch.Coalescer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watcher's part of the master's status: which source runs and why, the files their writers
 * still hold open (not replicated until closed), and the snapshots shipped of files open past the
 * long-open limit. Thread-safe.
 */
public final class WatchStatus {
  private static final Logger log = LoggerFactory.getLogger("org.replicator.events");
  private final String source;
  private final String reason;
  private final Coalescer coalescer;
  private final AtomicLong snapshots = new AtomicLong();

  public WatchStatus(ChangeSources.Choice choice, Coalescer coalescer) {
    this.source = choice.name();
    this.reason = choice.reason();
    this.coalescer = coalescer;
  }

  /** The planner shipped a file its writer had held open for {@code openForNanos} without a close. */
  public void snapshotShipped(String path, long openForNanos) {
    snapshots.incrementAndGet();
    log.info("event=snapshot-while-open path=\"{}\" open_s={} (its writer has not closed it; the slaves get it as it stood)",
        path, TimeUnit.NANOSECONDS.toSeconds(openForNanos));
  }

  public long snapshotsWhileOpen() {
    return snapshots.get();
  }

  public Map<String, Object> snapshot() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("source", source);
    m.put("reason", reason);
    m.put("openFiles", coalescer.openFiles());
    long since = coalescer.oldestOpenSinceNanos();
    m.put("oldestOpenSeconds", since == Coalescer.NONE ? null : Math.max(0, (System.nanoTime() - since) / 1_000_000_000L));
    m.put("snapshotsWhileOpen", snapshots.get());
    return m;
  }
}
