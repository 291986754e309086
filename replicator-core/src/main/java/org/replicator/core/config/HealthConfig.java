package org.replicator.core.config;

/**
 * The {@code health} section of the cluster file: when a slave stops taking visitors. A slave
 * whose lag (docs/operations.md, "Slave lag") reaches {@code drainLagSeconds} answers HAProxy's
 * agent-check {@code drain}, at {@code downLagSeconds} {@code down}. The freshness file a slave
 * rewrites every second is stale, and the web health check fails, once its heartbeat is older
 * than {@code heartbeatTimeoutSeconds} (the agent is stopped or hung) or the lag it records plus
 * the heartbeat's age reaches {@code downLagSeconds}.
 */
public record HealthConfig(int drainLagSeconds, int downLagSeconds, int heartbeatTimeoutSeconds) {
  public static final int DEFAULT_DRAIN_LAG_SECONDS = 10;
  public static final int DEFAULT_DOWN_LAG_SECONDS = 60;
  public static final int DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 15;
  public static final HealthConfig DEFAULTS =
      new HealthConfig(DEFAULT_DRAIN_LAG_SECONDS, DEFAULT_DOWN_LAG_SECONDS, DEFAULT_HEARTBEAT_TIMEOUT_SECONDS);
}
