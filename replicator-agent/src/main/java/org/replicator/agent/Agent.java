package org.replicator.agent;

import java.nio.file.Path;
import java.util.Map;

/** A running node, master or slave. The control endpoint and the CLI's {@code agent} command use this. */
public interface Agent extends AutoCloseable {
  void start() throws Exception;

  /** The JSON object of {@code replicator status}; field names are stable (docs/operations.md). */
  Map<String, Object> status(boolean verbose);

  Path stateDir();

  @Override
  void close();
}
