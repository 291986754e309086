package org.replicator.agent.net;

/**
 * The bounds that keep a bad peer from holding a connection: how many connections may wait to
 * authenticate at once, how long a peer has to finish the TLS handshake and its HELLO, and how
 * long an established peer may stay silent. Tests pass shorter values (that is the only reason
 * this is a record and not constants); docs/security.md lists the defaults.
 */
public record SessionLimits(int maxPendingConnections, long handshakeTimeoutMillis, int readIdleSeconds) {
  /** 4 waiting connections, 10 s to authenticate, 30 s of silence. */
  public static final SessionLimits DEFAULT = new SessionLimits(4, 10_000, 30);

  public SessionLimits {
    if (maxPendingConnections < 1 || handshakeTimeoutMillis < 1 || readIdleSeconds < 1) {
      throw new IllegalArgumentException("limits must be positive: " + maxPendingConnections + ", " + handshakeTimeoutMillis + " ms, "
          + readIdleSeconds + " s");
    }
  }
}
