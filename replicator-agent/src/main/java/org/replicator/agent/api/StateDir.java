package org.replicator.agent.api;

import java.io.IOException;
import java.nio.file.Path;
import org.replicator.agent.lifecycle.StateDirs;

/** A node's state_dir as the CLI prepares it ({@code replicator adopt}). */
public final class StateDir {
  private StateDir() {}

  /** Creates {@code stateDir} (owner-only) if missing, or makes an existing one owner-only. */
  public static void create(Path stateDir) throws IOException {
    StateDirs.create(stateDir);
  }
}
