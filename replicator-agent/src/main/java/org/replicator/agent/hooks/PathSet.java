package org.replicator.agent.hooks;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Changed paths for one hook run, in arrival order, capped at {@link #MAX_PATHS} paths and {@link
 * #MAX_CHARS} characters of names: past the cap further paths are dropped and {@link #truncated()}
 * turns true, which the hook sees as {@code REPLICATOR_PATHS_TRUNCATED=1} ("many paths changed").
 * The cap keeps memory fixed when a hook is slow and runs pile up, and keeps an {@code args}
 * command line well under the kernel's limit. Not thread safe: owners guard it.
 */
final class PathSet {
  static final int MAX_PATHS = 1000;
  static final int MAX_CHARS = 512 * 1024;

  private final Set<String> paths = new LinkedHashSet<>();
  private int chars;
  private boolean truncated;

  void add(String path) {
    if (paths.contains(path)) {
      return;
    }
    if (paths.size() >= MAX_PATHS || chars + path.length() > MAX_CHARS) {
      truncated = true;
      return;
    }
    paths.add(path);
    chars += path.length();
  }

  void addAll(PathSet other) {
    for (String p : other.paths) {
      add(p);
    }
    truncated |= other.truncated;
  }

  boolean isEmpty() {
    return paths.isEmpty() && !truncated;
  }

  boolean truncated() {
    return truncated;
  }

  List<String> list() {
    return new ArrayList<>(paths);
  }

  void clear() {
    paths.clear();
    chars = 0;
    truncated = false;
  }
}
