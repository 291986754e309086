package org.replicator.core.batch;

/** Reports what the coalescer decides; bound to logs and metrics by the agent. Must not throw. */
public interface CoalescerListener {
  CoalescerListener NONE = new CoalescerListener() {};

  /** A subtree will be compared against the index, and why (counted per cause). */
  default void rescanRequested(String subtree, String cause, String detail) {}
}
