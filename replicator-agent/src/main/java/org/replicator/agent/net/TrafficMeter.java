package org.replicator.agent.net;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the bytes that cross the socket (after framing and compression), for status, metrics and
 * the tests that prove a renamed directory travelled as a move. Shared by the connections of one
 * link, so the totals survive reconnects.
 */
@ChannelHandler.Sharable
public final class TrafficMeter extends ChannelDuplexHandler {
  private final LongAdder sent = new LongAdder();
  private final LongAdder received = new LongAdder();

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf) {
      received.add(buf.readableBytes());
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf buf) {
      sent.add(buf.readableBytes());
    }
    ctx.write(msg, promise);
  }

  public long sentBytes() {
    return sent.sum();
  }

  public long receivedBytes() {
    return received.sum();
  }
}
