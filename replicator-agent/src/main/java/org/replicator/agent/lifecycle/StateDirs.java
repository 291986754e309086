package org.replicator.agent.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** The node's state_dir: created 0700, since it holds the index, journal and (later) keys. */
public final class StateDirs {
  private StateDirs() {}

  public static void create(Path stateDir) throws IOException {
    if (!Files.isDirectory(stateDir)) {
      Files.createDirectories(stateDir);
      Files.setPosixFilePermissions(stateDir, PosixFilePermissions.fromString("rwx------"));
    }
  }
}
