package org.replicator.agent.stats;

import java.util.List;

/** What a running master exposes to metrics; status JSON shows the same figures. Thread-safe. */
public interface MasterStats {
  /** Every slave, in cluster-file order. */
  List<SlaveLagView> slaveViews();

  RescanCounts rescans();

  ErrorCounts errors();

  /** True while a batch waits for {@code replicator confirm-delete}. */
  boolean isHeld();

  /** Changed paths waiting for the next batch. */
  long pendingPaths();

  /** Content bytes scans had to read since start. */
  long scanHashedBytes();

  /** Bytes of the on-disk change journal. */
  long journalBytes();

  /** Segment files of the on-disk change journal. */
  long journalSegments();

  /** When the node's own TLS certificate (loaded at start) expires; null with {@code transport: plain}. */
  default java.time.Instant tlsCertificateNotAfter() {
    return null;
  }
}
