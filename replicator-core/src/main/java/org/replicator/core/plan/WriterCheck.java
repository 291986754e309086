package org.replicator.core.plan;

/**
 * Asks the OS whether any process has a file open for writing. The planner asks only about a
 * file the change source told nothing about (found by a scan of a directory that appeared before
 * its watch, or by a rescan): with close-write known, a file that is open is parked until its
 * close instead of shipped half-written. Implemented in the agent (Linux file leases); core has
 * no way to ask.
 */
public interface WriterCheck {
  /** Never knows. */
  WriterCheck NONE = path -> null;

  /**
   * @param path relative to the docroot
   * @return TRUE when some process has it open for writing, FALSE when none has, null when the
   *     OS cannot tell (no permission, a file system without leases, gone)
   */
  Boolean openForWriting(String path);
}
