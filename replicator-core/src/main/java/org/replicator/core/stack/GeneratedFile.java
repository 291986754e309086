package org.replicator.core.stack;

import java.util.Objects;

/**
 * One file {@code replicator generate} writes: {@code DIR/<node>/<path>}. {@code path} is relative,
 * '/'-separated and never climbs ({@code ..}); {@code executable} files get mode 0755, others 0644.
 */
public record GeneratedFile(String node, String path, String content, boolean executable) {
  public GeneratedFile {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(content, "content");
    if (path.startsWith("/") || ("/" + path + "/").contains("/../")) {
      throw new IllegalArgumentException("generated path must stay inside the node's folder: " + path);
    }
  }

  static GeneratedFile of(String node, String path, String content) {
    return new GeneratedFile(node, path, content, false);
  }
}
