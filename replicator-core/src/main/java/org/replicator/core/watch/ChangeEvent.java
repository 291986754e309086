package org.replicator.core.watch;

/**
 * A raw change reported by a {@link ChangeSource}: a hint that {@code path} may differ from the
 * index, never a statement of what changed. The planner always looks at the disk.
 *
 * @param path relative to the docroot, '/'-separated
 * @param kind what the watcher saw
 */
public record ChangeEvent(Kind kind, String path) {
  public enum Kind {
    CREATE,
    MODIFY,
    DELETE
  }
}
