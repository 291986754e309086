package org.replicator.core.scan;

import java.io.IOException;

/**
 * What a scan reports besides its entries. The agent binds this to logs, status and metrics.
 * Implementations must be thread safe and must not throw.
 */
public interface ScanListener {
  ScanListener NONE = new ScanListener() {};

  /** A file's content was read and hashed (a rescan that trusts stat does not call this). */
  default void fileHashed(String path, long bytes) {}

  /** A path could not be read; it keeps its previous state and is retried by the next scan. */
  default void pathFailed(String path, IOException error) {}

  /** A name in {@code directory} is not valid UTF-8 and is refused (never replicated). */
  default void invalidName(String directory, String printableName) {}

  /** A device node, FIFO or socket: never replicated. */
  default void unsupportedType(String path) {}
}
