package org.replicator.agent.net;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * First stage of the read-only endpoints (metrics, agent-check): closes a new connection at once
 * when {@code max} are already open, so a flood of idle clients cannot pin memory or file
 * descriptors. One instance per server, shared by its channels.
 */
@ChannelHandler.Sharable
public final class ConnectionLimit extends ChannelInboundHandlerAdapter {
  private final int max;
  private final AtomicInteger open = new AtomicInteger();

  public ConnectionLimit(int max) {
    this.max = max;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      ctx.channel().close();
      return;
    }
    ctx.channel().closeFuture().addListener(f -> open.decrementAndGet());
    ctx.fireChannelActive();
  }

  public int open() {
    return open.get();
  }
}
