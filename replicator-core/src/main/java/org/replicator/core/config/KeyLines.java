package org.replicator.core.config;

import java.util.HashMap;
import java.util.Map;

/**
 * Where each dotted key ({@code nodes[1].port}) sits in the cluster file, so that checks made
 * after binding still point the operator at a line. A key that was defaulted (absent from the
 * file) resolves to its closest present parent: a missing {@code nodes[1].state_dir} points at
 * {@code nodes[1]}.
 */
final class KeyLines {
  static final KeyLines NONE = new KeyLines();

  private final Map<String, Integer> lines = new HashMap<>();

  void put(String key, int line) {
    lines.putIfAbsent(key, line);
  }

  /** 1-based line of {@code key} or its closest recorded parent; 0 when none is known. */
  int of(String key) {
    String k = key;
    while (true) {
      Integer line = lines.get(k);
      if (line != null) {
        return line;
      }
      if (k.isEmpty()) {
        return 0;
      }
      int cut = Math.max(k.lastIndexOf('.'), k.lastIndexOf('['));
      k = cut < 0 ? "" : k.substring(0, cut);
    }
  }
}
