package org.replicator.core.batch;

/**
 * What the coalescer knows of one pending path.
 *
 * @param mustRead a MODIFY (or CREATE) was seen: the content must be read even when size and
 *     times look unchanged (kernel timestamps are coarse: two same-size writes inside one tick
 *     leave identical stat, which is how rsync's quick check loses edits)
 * @param lastEventNanos ticker time of the latest event for this path, for the at-rest rule
 */
public record PathHint(boolean mustRead, long lastEventNanos) {
  public PathHint merge(PathHint later) {
    return new PathHint(mustRead || later.mustRead, Math.max(lastEventNanos, later.lastEventNanos));
  }
}
