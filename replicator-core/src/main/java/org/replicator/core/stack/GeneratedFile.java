package org.replicator.core.stack;

import java.util.Objects;

/**
 * One file {@code replicator generate} writes: {@code DIR/<node>/<path>}. {@code path} is relative,
 * '/'-separated and never climbs ({@code ..}); {@code executable} files get mode 0755, others 0644.
 * A {@code local} file is the operator's: written once when absent (a commented starting point in a
 * {@code local.d/} folder, which some servers need to exist or to match a glob), never overwritten.
 */
public record GeneratedFile(String node, String path, String content, boolean executable, boolean local) {
  public GeneratedFile {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(content, "content");
    if (path.startsWith("/") || ("/" + path + "/").contains("/../")) {
      throw new IllegalArgumentException("generated path must stay inside the node's folder: " + path);
    }
  }

  static GeneratedFile of(String node, String path, String content) {
    return new GeneratedFile(node, path, content, false, false);
  }

  static GeneratedFile executable(String node, String path, String content) {
    return new GeneratedFile(node, path, content, true, false);
  }

  /** The operator's include file {@code path}, created once with {@code comment} lines (each prefixed by {@code marker}). */
  static GeneratedFile local(String node, String path, String marker, String comment) {
    StringBuilder s = new StringBuilder();
    for (String line : comment.split("\n")) {
      s.append(marker).append(' ').append(line).append('\n');
    }
    return new GeneratedFile(node, path, s.toString(), false, true);
  }
}
