package org.replicator.core.scan;

import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.replicator.core.index.Entry;
import org.replicator.core.path.RelPath;

/**
 * What a {@link Scanner#scan} found.
 *
 * @param entries every readable, non-excluded path of the scanned subtree, sorted by path
 *     ({@link String#compareTo}, the {@link org.replicator.core.index.Index} order)
 * @param failedPaths paths whose state is unknown: files that could not be read (not in
 *     {@code entries}) and directories that could not be listed (their own entry may be in
 *     {@code entries}, their contents are unknown). Callers must not treat these paths, or
 *     anything under them, as deleted; see {@link #isUnknown}.
 */
public record ScanResult(List<Entry> entries, Set<String> failedPaths) {
  public ScanResult {
    entries = List.copyOf(entries);
    failedPaths = Collections.unmodifiableSortedSet(new TreeSet<>(failedPaths));
  }

  /** True when {@code path} is a failed path or lies under one: its absence proves nothing. */
  public boolean isUnknown(String path) {
    for (String failed : failedPaths) {
      if (RelPath.isSameOrUnder(path, failed)) {
        return true;
      }
    }
    return false;
  }
}
