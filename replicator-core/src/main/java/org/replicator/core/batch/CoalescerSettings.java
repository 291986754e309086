package org.replicator.core.batch;

/**
 * When the coalescer closes a batch.
 *
 * @param quietNanos close once no event arrived for this long: a file written in one go produces
 *     its events within a few hundred microseconds, so a short gap lets its CREATE and MODIFY
 *     travel together without delaying a lone change noticeably
 * @param windowNanos never hold the first event of a batch longer than this under a steady stream
 *     (cluster file {@code batch_window_ms})
 * @param maxEvents close at this many raw events (cluster file {@code batch_max_events})
 * @param maxPendingPaths memory bound: past this many distinct paths the pending set collapses
 *     into one rescan of the whole docroot
 */
public record CoalescerSettings(long quietNanos, long windowNanos, int maxEvents, int maxPendingPaths) {
  public static CoalescerSettings of(int windowMillis, int maxEvents) {
    long window = windowMillis * 1_000_000L;
    return new CoalescerSettings(Math.min(2_000_000L, window), window, maxEvents, 200_000);
  }
}
