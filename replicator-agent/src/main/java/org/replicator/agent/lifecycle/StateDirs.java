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
 * directory, and the control socket inside relies on it). An agent also locks it ({@link
 * #createAndLock}, {@link StateDirLock}) before it touches anything inside.
 */
public final class StateDirs {
  private static final Logger log = LoggerFactory.getLogger(StateDirs.class);
  private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rwx------");

  private StateDirs() {}

  public static void create(Path stateDir) throws IOException {
    if (!createIfMissing(stateDir)) {
      tighten(stateDir);
    }
  }

  /**
   * An agent's start: the state_dir (created if missing), then its lock, before anything in it is
   * read or written. A second agent of the node stops here with {@link StateDirLockedException}
   * having changed nothing (not even the directory's mode).
   */
  public static StateDirLock createAndLock(Path stateDir, String node) throws IOException {
    createIfMissing(stateDir);
    StateDirLock lock = StateDirLock.acquire(stateDir, node);
    try {
      tighten(stateDir);
    } catch (IOException | RuntimeException e) {
      lock.close();
      throw e;
    }
    return lock;
  }

  /** True when it was created (0700). */
  private static boolean createIfMissing(Path stateDir) throws IOException {
    if (Files.isDirectory(stateDir)) {
      return false;
    }
    Files.createDirectories(stateDir);
    Files.setPosixFilePermissions(stateDir, PRIVATE);
    return true;
  }

  private static void tighten(Path stateDir) throws IOException {
    Set<PosixFilePermission> now = Files.getPosixFilePermissions(stateDir);
    if (!now.equals(PRIVATE) && !PRIVATE.containsAll(now)) {
      Files.setPosixFilePermissions(stateDir, PRIVATE);
      log.info("state_dir={} was mode {}; set to rwx------ (it holds the TLS key and the control socket)", stateDir,
          PosixFilePermissions.toString(now));
    }
  }
}
