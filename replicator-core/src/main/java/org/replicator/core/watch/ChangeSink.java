package org.replicator.core.watch;

/** Where a {@link ChangeSource} delivers events. Implementations are thread safe. */
public interface ChangeSink {
  void onEvent(ChangeEvent event);

  /**
   * The source lost track of {@code subtree} ("" = the whole docroot): an overflow, an exception,
   * a watch that could not be registered. The subtree is compared against the index again.
   *
   * @param cause a stable word for metrics and status ("overflow", "watch-error", "reconcile", ...)
   */
  void onRescan(String subtree, String cause, String detail);
}
