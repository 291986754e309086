package org.replicator.agent.slave;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.replicator.agent.stats.ErrorCounts;
import org.replicator.agent.stats.ErrorKind;
import org.replicator.agent.stats.RescanCounts;
import org.replicator.core.wire.Message;

/**
 * What a slave shows in {@code replicator status --node} and its metrics: written by the apply loop
 * and the receiver, read by the control endpoint, scrapes, the agent-check and the freshness
 * writer. Guarded by {@code this}; the lag ({@link Staleness}) and the counters guard themselves.
 */
public final class SlaveStatus {
  final Staleness staleness;
  private final ErrorCounts errors = new ErrorCounts();
  private final RescanCounts rescans = new RescanCounts();
  private long lastAppliedSeq;
  private Instant lastAppliedAt;
  private long appliedFiles;
  private long appliedBytes;
  private long directorySwaps;
  private long swapFallbacks;
  private String swapUnavailable;
  private String master;
  private boolean connected;
  private String lastError;
  private String blockedReason;
  private final Map<String, String> failures = new LinkedHashMap<>();

  SlaveStatus(java.util.function.LongSupplier nanos) {
    this.staleness = new Staleness(nanos);
  }

  void batchApplied(long seq, List<Message.Failure> batchFailures) {
    staleness.batchApplied(seq, batchFailures.isEmpty());
    recordApplied(seq, batchFailures);
  }

  private synchronized void recordApplied(long seq, List<Message.Failure> batchFailures) {
    lastAppliedSeq = seq;
    lastAppliedAt = Instant.now();
    if (batchFailures.isEmpty()) {
      failures.clear();
    }
  }

  synchronized void fileApplied(long bytes) {
    appliedFiles++;
    appliedBytes += bytes;
  }

  synchronized void directorySwapped() {
    directorySwaps++;
  }

  synchronized void swapUnavailable(String why) {
    swapFallbacks++;
    swapUnavailable = why;
  }

  public synchronized long directorySwaps() {
    return directorySwaps;
  }

  public synchronized long swapFallbacks() {
    return swapFallbacks;
  }

  synchronized void recordFailure(String path, String reason) {
    errors.add(ErrorKind.APPLY);
    if (failures.size() < 100) {
      failures.put(path == null ? "" : path, reason);
    }
  }

  synchronized void recordError(ErrorKind kind, String error) {
    errors.add(kind);
    lastError = error;
  }

  synchronized void connected(String peer) {
    master = peer;
    connected = true;
  }

  synchronized void disconnected() {
    connected = false;
  }

  synchronized void blocked(String reason) {
    blockedReason = reason;
  }

  synchronized void setLastAppliedSeq(long seq) {
    lastAppliedSeq = seq;
  }

  public synchronized long lastAppliedSeq() {
    return lastAppliedSeq;
  }

  /** When the last batch was applied (epoch ms), 0 before the first since the agent started. */
  public synchronized long lastAppliedAtMillis() {
    return lastAppliedAt == null ? 0 : lastAppliedAt.toEpochMilli();
  }

  public synchronized long appliedFiles() {
    return appliedFiles;
  }

  public synchronized long appliedBytes() {
    return appliedBytes;
  }

  public synchronized boolean masterConnected() {
    return connected;
  }

  public synchronized boolean isBlocked() {
    return blockedReason != null;
  }

  public ErrorCounts errors() {
    return errors;
  }

  public RescanCounts rescans() {
    return rescans;
  }

  /** The JSON object of {@code status --node}; field names are stable (docs/operations.md). */
  public synchronized Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("state", blockedReason != null ? "blocked" : connected ? "connected" : "waiting-for-master");
    m.put("message", blockedReason);
    m.put("master", master);
    m.put("masterConnected", connected);
    m.put("lastAppliedSeq", lastAppliedSeq);
    m.put("lastAppliedAt", lastAppliedAt == null ? null : lastAppliedAt.toString());
    m.put("appliedFiles", appliedFiles);
    m.put("appliedBytes", appliedBytes);
    m.put("directorySwaps", directorySwaps);
    m.put("directorySwapUnavailable", swapUnavailable);
    m.put("lastError", lastError);
    List<Map<String, String>> f = new ArrayList<>();
    failures.forEach((path, reason) -> f.add(Map.of("path", path, "reason", reason)));
    m.put("failures", f);
    m.put("errors", errors.snapshot());
    m.put("rescans", rescans.snapshot());
    return m;
  }
}
