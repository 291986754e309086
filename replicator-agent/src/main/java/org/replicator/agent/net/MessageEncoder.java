package org.replicator.agent.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import org.replicator.core.wire.FrameWriter;
import org.replicator.core.wire.Message;

/** {@link Message} to a complete frame (length prefix included) via core's {@link FrameWriter}. */
public final class MessageEncoder extends MessageToByteEncoder<Message> {
  @Override
  protected void encode(ChannelHandlerContext ctx, Message msg, ByteBuf out) {
    out.writeBytes(FrameWriter.encode(msg));
  }
}
