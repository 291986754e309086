package org.replicator.core.index;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A saved index that cannot be trusted: truncated, corrupt, or written in another format version.
 * The caller throws the file away and rescans the tree from scratch (slower start, nothing lost).
 */
public final class CorruptIndexException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public CorruptIndexException(Path file, String problem) {
    super("index file " + file + " " + problem);
    this.file = file;
  }

  public CorruptIndexException(Path file, String problem, Throwable cause) {
    super("index file " + file + " " + problem, cause);
    this.file = file;
  }

  public Path file() {
    return file;
  }
}
