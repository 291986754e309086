package org.replicator.core.config;

import java.util.Locale;

/**
 * How master and slaves talk: the cluster file's {@code transport} key. TLS (mutual, under the
 * cluster CA) is the default; plain TCP must be asked for by name and the agents warn about it at
 * every start (docs/security.md).
 */
public enum TransportMode {
  /** Mutual TLS 1.3: each side proves it is the node the cluster file names. The default. */
  TLS,
  /** Plain TCP: no encryption, no authentication beyond the handshake's names. Trusted networks only. */
  PLAIN;

  /** The spelling used in the cluster file. */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
