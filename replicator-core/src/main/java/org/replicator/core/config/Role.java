package org.replicator.core.config;

/** A node's part in replication: the master is the only writer, slaves apply what it sends. */
public enum Role {
  MASTER,
  SLAVE;

  /** The spelling used in the cluster file. */
  public String yamlName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
