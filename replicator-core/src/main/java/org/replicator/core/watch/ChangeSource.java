package org.replicator.core.watch;

import java.io.IOException;

/**
 * The seam between the OS watcher (agent's inotify source, or its directory-watcher fallback) and
 * the core pipeline. A source owns its own threads; {@link #close()} stops them.
 */
public interface ChangeSource extends AutoCloseable {
  /** Starts delivering to {@code sink}; returns once every existing directory is watched. */
  void start(ChangeSink sink) throws IOException;

  /**
   * True when the source reports {@link ChangeEvent.Kind#CLOSE_WRITE} and pairs renames into
   * {@link ChangeEvent.Kind#MOVED} (inotify read directly). The planner then ships a file when its
   * writer closed it, and a move at once; otherwise it falls back to quiet-time and move-window
   * guesses.
   */
  default boolean reportsCloseWrite() {
    return false;
  }

  @Override
  void close() throws IOException;
}
