package org.replicator.core.wire;

import java.util.Optional;
import org.replicator.core.path.UnsafePathException;

/**
 * Why a peer closes a connection, as sent in an {@link Message.ErrorMessage}. This enum is the
 * one place where error kinds map to wire numbers and where exceptions map to error kinds. Wire
 * numbers are fixed: never renumber, only add.
 */
public enum ErrorCode {
  /** The peers' protocol versions are not {@link Protocol#compatible}. */
  VERSION_MISMATCH(1),
  /** The peers were started from different cluster files (config hashes differ). */
  CONFIG_MISMATCH(2),
  /** The master dialled a slave that is not the node it expected (wrong address in the config). */
  WRONG_NODE(3),
  /** A node that is not the cluster's master tried to send changes. */
  NOT_A_MASTER(4),
  /** A frame carried a path that must never be written. */
  UNSAFE_PATH(5),
  /** A frame was malformed or arrived out of order. */
  PROTOCOL(6),
  /** The docroot marker file is missing (empty or unmounted docroot): the node refuses to replicate. */
  MARKER_MISSING(7),
  /** A bug or an unexpected local failure. */
  INTERNAL(8);

  private final int wire;

  ErrorCode(int wire) {
    this.wire = wire;
  }

  public int wire() {
    return wire;
  }

  /** The code for a wire number; empty for numbers a newer peer may have added. */
  public static Optional<ErrorCode> ofWire(int wire) {
    for (ErrorCode code : values()) {
      if (code.wire == wire) {
        return Optional.of(code);
      }
    }
    return Optional.empty();
  }

  /**
   * The code to send when {@code failure} ends a connection: the one mapping from failures to wire
   * codes (docs/protocol.md, "ERROR"). Agent code translates transport failures (a frame longer
   * than the limit) into {@link ProtocolException} first, so that nothing else needs a table.
   */
  public static ErrorCode forException(Throwable failure) {
    if (failure instanceof HelloRefusedException refused) {
      return switch (refused.check()) {
        case VERSION -> VERSION_MISMATCH;
        case CLUSTER, CONFIG_HASH -> CONFIG_MISMATCH;
        case TARGET_NODE -> WRONG_NODE;
        case SENDER_IS_MASTER -> NOT_A_MASTER;
        case MARKER -> MARKER_MISSING;
      };
    }
    if (failure instanceof UnsafePathException) {
      return UNSAFE_PATH;
    }
    if (failure instanceof ProtocolException) {
      return PROTOCOL;
    }
    return INTERNAL;
  }
}
