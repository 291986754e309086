package org.replicator.agent.slave;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.replicator.core.wire.Message;

/**
 * What a slave shows in {@code replicator status --node}: written by the apply loop and the
 * receiver, read by the control endpoint. Guarded by {@code this}.
 */
public final class SlaveStatus {
  private long lastAppliedSeq;
  private Instant lastAppliedAt;
  private long appliedFiles;
  private long appliedBytes;
  private String master;
  private boolean connected;
  private String lastError;
  private String blockedReason;
  private final Map<String, String> failures = new LinkedHashMap<>();

  synchronized void batchApplied(long seq, List<Message.Failure> batchFailures) {
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

  synchronized void recordFailure(String path, String reason) {
    if (failures.size() < 100) {
      failures.put(path == null ? "" : path, reason);
    }
  }

  synchronized void recordError(String error) {
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
    m.put("lastError", lastError);
    List<Map<String, String>> f = new ArrayList<>();
    failures.forEach((path, reason) -> f.add(Map.of("path", path, "reason", reason)));
    m.put("failures", f);
    return m;
  }
}
