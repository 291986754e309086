package org.replicator.agent.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;
import org.replicator.core.wire.FrameReader;

/**
 * One length-delimited frame body (after {@link io.netty.handler.codec.LengthFieldBasedFrameDecoder}
 * stripped the length) to one {@link org.replicator.core.wire.Message}. No decisions here: a
 * malformed frame surfaces as an exception that the session handler turns into a closed
 * connection.
 */
public final class MessageDecoder extends MessageToMessageDecoder<ByteBuf> {
  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) throws Exception {
    out.add(FrameReader.decode(frame.nioBuffer()));
  }
}
