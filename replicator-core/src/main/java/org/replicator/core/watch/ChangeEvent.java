package org.replicator.core.watch;

import java.util.Objects;

/**
 * A raw change reported by a {@link ChangeSource}: a hint that {@code path} may differ from the
 * index, never a statement of what changed. The planner always looks at the disk.
 *
 * <p>What a kind tells about writers depends on the source: only a source that {@link
 * ChangeSource#reportsCloseWrite() reports close-write} sends {@link Kind#CLOSE_WRITE}, and only
 * then does a {@code CREATE} or {@code MODIFY} without a close mean "still open for writing".
 *
 * @param kind what the watcher saw
 * @param path relative to the docroot, '/'-separated; for {@link Kind#MOVED} the new name
 * @param from for {@link Kind#MOVED}: the old name, or null when the entry came from outside the
 *     docroot; null for every other kind
 */
public record ChangeEvent(Kind kind, String path, String from) {
  public enum Kind {
    /** An entry appeared (a file created by a writer, a directory, a link). */
    CREATE,
    /** A file's content was written (or truncated) through an open descriptor. */
    MODIFY,
    /** An entry went (unlinked, or renamed out of the docroot). */
    DELETE,
    /** A writer closed the file: it holds what that writer meant it to hold. */
    CLOSE_WRITE,
    /** Mode, owner, times or link count changed; not the content. */
    ATTRIB,
    /** Renamed from {@code from} to {@code path} in one rename(2), paired by the kernel's cookie. */
    MOVED,
    /**
     * Present in a new directory when its watch was added: made before the watch, so whatever
     * happened to it until then was not reported. Nothing is known about it: look.
     */
    FOUND
  }

  public ChangeEvent {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(path, "path");
    if ((from != null) && kind != Kind.MOVED) {
      throw new IllegalArgumentException("only a MOVED event has a from path: " + kind + " " + path);
    }
  }

  public ChangeEvent(Kind kind, String path) {
    this(kind, path, null);
  }

  /** A rename inside the docroot ({@code from} non-null) or into it from outside ({@code from} null). */
  public static ChangeEvent moved(String from, String to) {
    return new ChangeEvent(Kind.MOVED, to, from);
  }
}
