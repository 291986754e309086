package org.replicator.core.batch;

import java.util.List;
import java.util.SortedMap;

/**
 * A closed batch of change hints, in path order (parents before children).
 *
 * @param paths pending paths and their hints
 * @param rescans subtrees ("" = whole docroot) to compare against the index, with their cause
 * @param barriers tokens of callers waiting for everything before them to be planned
 * @param events raw events folded into this batch
 * @param maintenance whether this batch is the appearance or the removal of WordPress's
 *     {@code .maintenance} file, which the coalescer cuts into a batch of its own (see {@link
 *     MaintenanceBarrier})
 */
public record Batch(
    SortedMap<String, PathHint> paths,
    SortedMap<String, String> rescans,
    List<Object> barriers,
    int events,
    MaintenanceBarrier.Edge maintenance) {

  public Batch(SortedMap<String, PathHint> paths, SortedMap<String, String> rescans, List<Object> barriers, int events) {
    this(paths, rescans, barriers, events, MaintenanceBarrier.Edge.NONE);
  }

  public boolean isEmpty() {
    return paths.isEmpty() && rescans.isEmpty() && barriers.isEmpty();
  }
}
