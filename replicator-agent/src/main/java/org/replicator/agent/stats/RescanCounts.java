package org.replicator.agent.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.replicator.core.batch.CoalescerListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rescans by cause since start, for status and metrics. Master causes: {@code startup}, {@code
 * overflow}, {@code watch-error}, {@code watcher-stopped}, {@code reconcile}, {@code
 * pending-limit}, {@code barrier-fallback}, {@code plan-failed}; slave causes: {@code startup},
 * {@code manifest} (the master asked for the slave's tree). Thread-safe.
 */
public final class RescanCounts implements CoalescerListener {
  private static final Logger log = LoggerFactory.getLogger("org.replicator.events");
  private final Map<String, Long> byCause = new ConcurrentHashMap<>();

  @Override
  public void rescanRequested(String subtree, String cause, String detail) {
    record(cause);
    if (!cause.equals("startup") && !cause.equals("reconcile")) {
      log.info("event=rescan subtree=\"{}\" cause={} detail=\"{}\"", subtree, cause, detail);
    }
  }

  public void record(String cause) {
    byCause.merge(cause, 1L, Long::sum);
  }

  public long count(String cause) {
    return byCause.getOrDefault(cause, 0L);
  }

  public Map<String, Long> snapshot() {
    return new TreeMap<>(byCause);
  }
}
