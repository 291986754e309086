package org.replicator.core.config;

import java.util.Locale;

/**
 * Which deletions on the master are carried out on slaves, with lsyncd's {@code delete} meanings.
 * Two sources of deletes exist: live ones (seen by the watcher while connected) and catch-up ones
 * (found by comparing trees at (re)connect, after a failure, by anti-entropy or resync).
 */
public enum DeletePolicy {
  /** Slaves mirror the master exactly: every delete is replicated. The default. */
  TRUE(true, true),
  /** Never delete on slaves; they keep files the master no longer has. */
  FALSE(false, false),
  /** Only deletes found by catch-up at (re)connect; live deletes are not replicated. */
  STARTUP(false, true),
  /** Only live deletes; catch-up never removes extra files from a slave. */
  RUNNING(true, false);

  private final boolean live;
  private final boolean catchUp;

  DeletePolicy(boolean live, boolean catchUp) {
    this.live = live;
    this.catchUp = catchUp;
  }

  /** Whether a delete seen by the watcher is sent to slaves. */
  public boolean live() {
    return live;
  }

  /** Whether catch-up, resync and anti-entropy remove files a slave has and the master lacks. */
  public boolean catchUp() {
    return catchUp;
  }

  /** The spelling used in the cluster file. */
  public String yamlName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
