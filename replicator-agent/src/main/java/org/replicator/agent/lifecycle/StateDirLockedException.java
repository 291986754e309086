package org.replicator.agent.lifecycle;

import java.io.IOException;

/** Another agent holds the node's state_dir; this one must not touch anything and stop. */
public final class StateDirLockedException extends IOException {
  public StateDirLockedException(String message) {
    super(message);
  }
}
