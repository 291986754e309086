package org.replicator.agent.slave;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import org.replicator.core.wire.ErrorCode;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;

/**
 * A master connection on which this slave refused a frame. From then on nothing that connection
 * sent is applied: the receiver stops handing its frames to the {@link ApplyLoop} (the framer
 * still decodes the rest of the socket read that carried the bad frame), and the loop drops those
 * already queued and abandons the open batch, which is therefore never recorded or acknowledged
 * (docs/protocol.md, "A refused frame fails its batch").
 *
 * <p>Set by whichever side refuses first: the receiver (a frame that does not decode, a refused
 * HELLO) on the event loop, or the apply loop (a frame out of order, a local failure) on its
 * thread. A channel attribute, so both see it without a lock of their own; the first to mark also
 * reports the refusal and sends the one ERROR frame.
 */
final class Rejection {
  private static final AttributeKey<Boolean> REFUSED = AttributeKey.valueOf(Rejection.class, "refused");

  private Rejection() {}

  /** Marks {@code channel}; true only for the first caller, who reports the refusal. */
  static boolean mark(Channel channel) {
    return channel.attr(REFUSED).setIfAbsent(Boolean.TRUE) == null;
  }

  static boolean isMarked(Channel channel) {
    return channel.attr(REFUSED).get() != null;
  }

  /**
   * Sends the ERROR frame for {@code cause} (its code from {@link ErrorCode#forException}, the one
   * mapping; its message without a class name) and closes the connection once it is written.
   */
  static void sendErrorAndClose(Channel channel, Throwable cause) {
    String text = cause.getMessage() != null ? cause.getMessage() : "unexpected failure without a message";
    if (text.length() > Protocol.MAX_TEXT / 4) {
      text = text.substring(0, Protocol.MAX_TEXT / 4);
    }
    channel.writeAndFlush(new Message.ErrorMessage(ErrorCode.forException(cause), text)).addListener(f -> channel.close());
  }
}
