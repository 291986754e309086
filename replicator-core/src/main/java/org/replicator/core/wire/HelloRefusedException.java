package org.replicator.core.wire;

/**
 * A slave refuses a master's HELLO. The message is the reason an operator reads (it goes into the
 * HELLO_REPLY); {@link #check()} says which check failed, and {@link ErrorCode#forException} turns
 * that into the code of the ERROR frame that follows, so the two never disagree.
 */
public final class HelloRefusedException extends Exception {
  /** The handshake checks, in the order a slave makes them (docs/protocol.md, "Conversation"). */
  public enum Check {
    /** Major versions differ, or minors more than one apart. */
    VERSION,
    /** The HELLO names another cluster. */
    CLUSTER,
    /** The HELLO is meant for another node: the master dialled the wrong address. */
    TARGET_NODE,
    /** The sender is not this cluster's master. */
    SENDER_IS_MASTER,
    /** The replication hashes of the two cluster files differ. */
    CONFIG_HASH,
    /** The docroot marker is missing (empty or unmounted docroot). */
    MARKER
  }

  private final Check check;

  public HelloRefusedException(Check check, String reason) {
    super(reason);
    this.check = check;
  }

  public Check check() {
    return check;
  }
}
