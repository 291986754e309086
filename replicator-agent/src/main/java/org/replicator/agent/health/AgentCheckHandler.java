package org.replicator.agent.health;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent-check connection: writes the answer line at connect, then half-closes (FIN after the
 * line) so that HAProxy reads the whole line even if it sent something we have not read; closing
 * with unread input would reset the connection and could discard the answer. Input is discarded
 * and bounded; the connection is closed when the peer closes, or after {@link #LINGER_MILLIS}.
 */
final class AgentCheckHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(AgentCheckHandler.class);
  static final int MAX_DISCARD = 1024;
  static final long LINGER_MILLIS = 2000;

  private final Supplier<String> answer;
  private int discarded;

  AgentCheckHandler(Supplier<String> answer) {
    this.answer = answer;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
    String line = answer.get();
    ByteBuf bytes = Unpooled.copiedBuffer(line, StandardCharsets.US_ASCII);
    ctx.writeAndFlush(bytes).addListener(f -> {
      if (f.isSuccess() && ctx.channel() instanceof SocketChannel socket) {
        socket.shutdownOutput();
      } else {
        ctx.close();
      }
    });
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf) {
      discarded += buf.readableBytes();
    }
    ReferenceCountUtil.release(msg);
    if (discarded > MAX_DISCARD) {
      ctx.close();
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("agent-check peer={} closed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
