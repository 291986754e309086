package org.replicator.agent.master;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import org.replicator.agent.net.SessionLimits;
import org.replicator.agent.tls.TlsFailures;
import org.replicator.core.wire.FrameLog;
import org.replicator.core.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Master end of one slave connection, on the event loop: routes acknowledgements to the lag
 * tracker, handshake and manifest frames to the link's sender thread, answers pings. Only what a
 * slave may send is accepted; anything else closes the connection.
 */
final class MasterSessionHandler extends SimpleChannelInboundHandler<Message> {
  private static final Logger log = LoggerFactory.getLogger(MasterSessionHandler.class);
  private final SlaveSessionListener link;
  private final SessionLimits limits;
  private boolean closing;
  /**
   * Set by the slave's HELLO_REPLY. Before it, no keep-alive PING: HELLO must be the first frame
   * the slave reads, and a slow TLS handshake (a slave that accepts only after its startup scan)
   * outlasts the one-second writer-idle timer.
   */
  private boolean answered;

  MasterSessionHandler(SlaveSessionListener link, SessionLimits limits) {
    this.link = link;
    this.limits = limits;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Message msg) {
    if (log.isDebugEnabled()) {
      log.debug("slave={} << {}", link.name(), FrameLog.describe(msg));
    }
    if (msg instanceof Message.Ack ack) {
      link.acknowledged(ack);
    } else if (msg instanceof Message.HelloReply) {
      answered = true;
      link.received(msg);
    } else if (msg instanceof Message.ManifestEntries || msg instanceof Message.ManifestEnd) {
      link.received(msg);
    } else if (msg instanceof Message.Handover h) {
      link.handoverRequested(h);
    } else if (msg instanceof Message.Ping p) {
      ctx.writeAndFlush(new Message.Pong(p.nanos()));
    } else if (msg instanceof Message.Pong) {
      // Liveness only.
    } else if (msg instanceof Message.ErrorMessage e) {
      link.recordError("slave reported " + e.errorCode().map(Enum::name).orElse(Integer.toString(e.code())) + ": " + e.message());
      ctx.close();
    } else {
      link.recordError("slave sent " + msg.type() + ", which only a master may send; connection closed");
      log.warn("slave={} sent {}, which only a master may send; closing", link.name(), msg.type());
      ctx.close();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    link.writabilityChanged();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    link.disconnected(ctx.channel());
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent idle) {
      if (idle.state() == IdleState.READER_IDLE) {
        link.recordError("slave silent for " + MasterChannelInitializer.silenceSeconds(limits) + " s (no frame, not even a ping); reconnecting");
        ctx.close();
      } else if (idle.state() == IdleState.WRITER_IDLE && answered) {
        ctx.writeAndFlush(new Message.Ping(System.nanoTime()));
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // Every failed write of a dying connection lands here: report the first, once.
    if (!closing) {
      closing = true;
      // TLS failures in words (and never Netty's hex dump of what a non-TLS peer sent).
      String why = TlsFailures.isTls(cause) ? "TLS: " + TlsFailures.describe(cause) : cause.getClass().getSimpleName() + ": " + cause.getMessage();
      if (link.closing(ctx.channel(), why)) {
        log.warn("slave={} closing connection: {}", link.name(), why);
      } else {
        // Still connecting: the link reports it (once, not at every retry).
        log.debug("slave={} closing connection while connecting: {}", link.name(), why);
      }
    }
    ctx.close();
  }
}
