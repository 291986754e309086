package org.replicator.agent;

import java.nio.file.Path;
import java.util.Map;

/** A running node, master or slave. The control endpoint and the CLI's {@code agent} command use this. */
public interface Agent extends AutoCloseable {
  void start() throws Exception;

  /** The JSON object of {@code replicator status}; field names are stable (docs/operations.md). */
  Map<String, Object> status(boolean verbose);

  Path stateDir();

  /**
   * Applies a re-read cluster file without a restart ({@code replicator reload}): the parts that
   * can change live ({@link org.replicator.core.config.ConfigChange}), or nothing at all.
   *
   * @return what changed, for the operator
   * @throws IllegalArgumentException naming the file and the keys that need a restart; nothing changed
   */
  Map<String, Object> reload(org.replicator.core.config.ClusterConfig next) throws Exception;

  @Override
  void close();
}
