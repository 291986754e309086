package org.replicator.agent.stats;

import org.replicator.core.health.Verdict;

/**
 * What a running slave exposes to metrics, the agent-check and the freshness file; status JSON
 * shows the same figures. Lag here is the slave's own view (see docs/operations.md, "Slave lag").
 * Thread-safe.
 */
public interface SlaveStats {
  /** The slave's lag and what it answers HAProxy, at one instant. */
  record Health(Verdict verdict, String reason, double lagSeconds, int lagBatches, boolean masterConnected) {
    /** The agent-check answer line. */
    public String agentCheckLine() {
      return verdict.agentCheckLine(reason);
    }
  }

  Health health();

  /** When the last batch was applied (epoch ms), 0 before the first since the agent started. */
  long lastAppliedAtMillis();

  long lastAppliedSeq();

  long appliedFiles();

  long appliedBytes();

  ErrorCounts errors();

  RescanCounts rescans();

  long sentBytes();

  long receivedBytes();

  /** Post-apply hook runs since start (docs/configuration.md, "Hooks"). */
  default long hookRuns() {
    return 0;
  }

  /** Hook runs that failed: non-zero exit, timeout, or a program that could not start. */
  default long hookFailures() {
    return 0;
  }

  /** Plugin or theme directories replaced in one exchange (docs/operations.md, "Updates"). */
  default long directorySwaps() {
    return 0;
  }

  /** Times directory swaps were found unavailable (kernel or file system) and turned off: 0 or 1 per run. */
  default long directorySwapFallbacks() {
    return 0;
  }

  /** When the node's own TLS certificate (loaded at start) expires; null with {@code transport: plain}. */
  default java.time.Instant tlsCertificateNotAfter() {
    return null;
  }
}
