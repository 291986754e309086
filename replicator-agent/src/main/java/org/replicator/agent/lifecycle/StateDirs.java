package org.replicator.agent.lifecycle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's state_dir: 0700, since it holds the index, the TLS key and the control socket. A new
 * one is created so; an existing one that others could enter is tightened (it is the agent's own
 * directory, and the control socket inside relies on it).
 */
public final class StateDirs {
  private static final Logger log = LoggerFactory.getLogger(StateDirs.class);
  private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

  private StateDirs() {}

  public static void create(Path stateDir) throws IOException {
    if (!Files.isDirectory(stateDir)) {
      Files.createDirectories(stateDir);
      Files.setPosixFilePermissions(stateDir, PRIVATE);
      return;
    }
    Set<PosixFilePermission> now = Files.getPosixFilePermissions(stateDir);
    if (!now.equals(PRIVATE) && !PRIVATE.containsAll(now)) {
      Files.setPosixFilePermissions(stateDir, PRIVATE);
      log.info("state_dir={} was mode {}; set to rwx------ (it holds the TLS key and the control socket)", stateDir,
          PosixFilePermissions.toString(now));
    }
  }
}
