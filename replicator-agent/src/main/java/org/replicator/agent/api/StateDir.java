package org.replicator.agent.api;

import java.io.IOException;
import java.nio.file.Path;
import org.replicator.agent.lifecycle.StateDirLockedException;
import org.replicator.agent.lifecycle.StateDirs;

/** A node's state_dir as the CLI prepares it ({@code replicator adopt}). */
public final class StateDir {
  private StateDir() {}

  /** Creates {@code stateDir} (owner-only) if missing, or makes an existing one owner-only. */
  public static void create(Path stateDir) throws IOException {
    StateDirs.create(stateDir);
  }

  /**
   * Creates {@code stateDir} if missing and takes the node's agent lock for the caller's work
   * (close it when done): a command that writes the node's marker or state must not run beside
   * the node's agent.
   *
   * @throws NodeRunningException when the node's agent runs (the message names its PID)
   */
  public static AutoCloseable createAndLock(Path stateDir, String node) throws IOException {
    try {
      return StateDirs.createAndLock(stateDir, node);
    } catch (StateDirLockedException e) {
      throw new NodeRunningException(e.getMessage());
    }
  }

  /** The node's agent holds its state_dir. */
  public static final class NodeRunningException extends IOException {
    NodeRunningException(String message) {
      super(message);
    }
  }
}
