package org.replicator.core.wire;

/**
 * The peer sent bytes that are not a valid frame: the connection must be closed, the daemon stays
 * up. The message names the frame, the field and the values that disagree, e.g. "DATA frame
 * declares raw length 300000, limit 262144".
 *
 * <p>An unsafe path inside an otherwise well-formed frame is not reported with this type but with
 * {@link org.replicator.core.path.UnsafePathException}, so that callers can count it separately.
 * {@link ErrorCode#forException} maps both to wire error codes.
 */
public final class ProtocolException extends Exception {
  public ProtocolException(String message) {
    super(message);
  }

  public ProtocolException(String message, Throwable cause) {
    super(message, cause);
  }
}
