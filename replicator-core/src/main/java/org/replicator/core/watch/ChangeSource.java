package org.replicator.core.watch;

import java.io.IOException;

/**
 * The seam between the OS watcher (agent's directory-watcher adapter) and the core pipeline. A
 * source owns its own threads; {@link #close()} stops them.
 */
public interface ChangeSource extends AutoCloseable {
  /** Starts delivering to {@code sink}; returns once every existing directory is watched. */
  void start(ChangeSink sink) throws IOException;

  @Override
  void close() throws IOException;
}
