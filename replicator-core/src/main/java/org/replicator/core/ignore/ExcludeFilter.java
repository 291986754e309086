package org.replicator.core.ignore;

/**
 * Decides whether a relative docroot path is local to each node (never replicated, compared or
 * deleted by catch-up). A path below an excluded directory is excluded too; callers that walk a
 * tree simply do not descend into an excluded directory.
 */
@FunctionalInterface
public interface ExcludeFilter {
  ExcludeFilter NONE = (path, directory) -> false;

  /**
   * @param path relative, '/'-separated, never empty
   * @param directory whether {@code path} is a directory (patterns with a trailing '/' only match
   *     directories)
   */
  boolean excluded(String path, boolean directory);
}
