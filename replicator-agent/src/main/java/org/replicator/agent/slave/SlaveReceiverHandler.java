package org.replicator.agent.slave;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import org.replicator.core.wire.ErrorCode;
import org.replicator.core.wire.FrameLog;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slave end of one master connection: checks the handshake, then hands every frame to the
 * {@link ApplyLoop} and stops reading from the socket while the loop's queue is nearly full
 * (backpressure through TCP). Runs on a Netty event loop and never touches the disk.
 */
final class SlaveReceiverHandler extends SimpleChannelInboundHandler<Message> {
  private static final Logger log = LoggerFactory.getLogger(SlaveReceiverHandler.class);
  private static final int PAUSE_BELOW = 8;

  private final SlaveAgent agent;
  private final ApplyLoop loop;
  private boolean greeted;

  SlaveReceiverHandler(SlaveAgent agent, ApplyLoop loop) {
    this.agent = agent;
    this.loop = loop;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Message msg) throws Exception {
    if (log.isDebugEnabled()) {
      log.debug("peer={} << {}", ctx.channel().remoteAddress(), FrameLog.describe(msg));
    }
    if (!greeted) {
      if (!(msg instanceof Message.Hello hello)) {
        refuse(ctx, ErrorCode.PROTOCOL, "expected HELLO first, got " + msg.type());
        return;
      }
      String refusal = agent.checkHello(hello);
      if (refusal != null) {
        log.warn("peer={} refused: {}", ctx.channel().remoteAddress(), refusal);
        agent.status().recordError(org.replicator.agent.stats.ErrorKind.CONNECTION, "refused master " + ctx.channel().remoteAddress() + ": " + refusal);
        ctx.writeAndFlush(agent.reply(false, refusal, 0));
        refuse(ctx, refusal.startsWith("marker") ? ErrorCode.MARKER_MISSING : ErrorCode.CONFIG_MISMATCH, refusal);
        return;
      }
      greeted = true;
      agent.takeOver(ctx.channel());
      loop.submit(ctx.channel(), hello); // the loop answers with its tree digest, in order
      log.info("peer={} master {} connected", ctx.channel().remoteAddress(), hello.fromNode());
      return;
    }
    Staleness staleness = agent.status().staleness;
    if (msg instanceof Message.BatchBegin begin) {
      staleness.batchBegun(begin.seq());
    } else if (msg instanceof Message.ManifestRequest) {
      staleness.catchUpRequested();
    } else {
      staleness.heard();
    }
    if (msg instanceof Message.Ping ping) {
      ctx.writeAndFlush(new Message.Pong(ping.nanos()));
    } else if (msg instanceof Message.Pong) {
      // Keeps the read-idle timer quiet; nothing else to do.
    } else if (msg instanceof Message.ErrorMessage error) {
      log.warn("peer={} master reported {}: {}", ctx.channel().remoteAddress(), error.code(), error.message());
      ctx.close();
    } else {
      loop.submit(ctx.channel(), msg);
      if (loop.remainingCapacity() < PAUSE_BELOW) {
        ctx.channel().config().setAutoRead(false);
      }
    }
  }

  /** Called by the apply loop after taking work: reading resumes once the queue has drained to half. */
  static void resumeReadingIfDrained(Channel channel, ApplyLoop loop) {
    if (!channel.config().isAutoRead() && loop.remainingCapacity() > ApplyLoop.CAPACITY / 2) {
      channel.config().setAutoRead(true);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent idle) {
      if (idle.state() == IdleState.READER_IDLE) {
        log.warn("peer={} silent for {} s, closing", ctx.channel().remoteAddress(), org.replicator.agent.net.Pipelines.READ_IDLE_SECONDS);
        ctx.close();
      } else if (idle.state() == IdleState.WRITER_IDLE && greeted) {
        ctx.writeAndFlush(new Message.Ping(System.nanoTime()));
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (greeted) {
      loop.disconnected(ctx.channel());
      agent.released(ctx.channel());
      log.info("peer={} master disconnected", ctx.channel().remoteAddress());
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    String what = cause.getClass().getSimpleName() + ": " + cause.getMessage();
    log.warn("peer={} closing connection: {}", ctx.channel().remoteAddress(), what);
    agent.status().recordError(org.replicator.agent.stats.ErrorKind.CONNECTION, "connection from " + ctx.channel().remoteAddress() + " closed: " + what);
    refuse(ctx, ErrorCode.PROTOCOL, what);
  }

  private void refuse(ChannelHandlerContext ctx, ErrorCode code, String message) {
    String text = message.length() > Protocol.MAX_TEXT / 4 ? message.substring(0, Protocol.MAX_TEXT / 4) : message;
    ctx.writeAndFlush(new Message.ErrorMessage(code, text)).addListener(f -> ctx.close());
  }
}
