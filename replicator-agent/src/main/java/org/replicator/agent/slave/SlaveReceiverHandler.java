package org.replicator.agent.slave;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import org.replicator.agent.net.SessionLimits;
import org.replicator.agent.tls.PeerRejectedException;
import org.replicator.agent.tls.PeerVerifier;
import org.replicator.agent.tls.TlsFailures;
import org.replicator.core.wire.FrameLog;
import org.replicator.core.wire.HelloRefusedException;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;
import org.replicator.core.wire.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slave end of one master connection: logs the TLS handshake's verdict (a rejected peer with its
 * address and certificate fingerprint), checks the HELLO, then hands every frame to the {@link
 * ApplyLoop} and stops reading from the socket while the loop's queue is nearly full
 * (backpressure through TCP). Runs on a Netty event loop and never touches the disk.
 *
 * <p>A frame it refuses (it did not decode, or a HELLO failed its checks) ends the connection with
 * one ERROR frame, and nothing the connection sends after it reaches the loop ({@link Rejection}),
 * not even the frames that arrived in the same socket read.
 */
final class SlaveReceiverHandler extends SimpleChannelInboundHandler<Message> {
  private static final Logger log = LoggerFactory.getLogger(SlaveReceiverHandler.class);

  private final SlaveAgent agent;
  private final ApplyLoop loop;
  private final SessionLimits limits;
  /** Whether the pipeline starts with TLS; if so, nothing reaches here before it authenticated. */
  private final boolean tls;
  private boolean authenticated;
  private boolean rejected;
  private boolean greeted;
  /** The node the TLS certificate named (any node may be master at some epoch); null over plain TCP. */
  private String peerName;
  /** The master this connection greeted as (its HELLO's fromNode). */
  private String master;

  SlaveReceiverHandler(SlaveAgent agent, ApplyLoop loop, SessionLimits limits, boolean tls) {
    this.agent = agent;
    this.loop = loop;
    this.limits = limits;
    this.tls = tls;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, Message msg) throws Exception {
    if (log.isDebugEnabled()) {
      log.debug("peer={} << {}", ctx.channel().remoteAddress(), FrameLog.describe(msg));
    }
    if (Rejection.isMarked(ctx.channel())) {
      // A frame was refused (here or by the apply loop): what follows it in the same socket read
      // still arrives, and none of it may be applied. The connection is closing.
      return;
    }
    if (!greeted) {
      if (!(msg instanceof Message.Hello hello)) {
        refuse(ctx, new ProtocolException("expected HELLO first, got " + msg.type()));
        return;
      }
      try {
        agent.checkHello(hello, peerName);
      } catch (HelloRefusedException refusal) {
        log.warn("peer={} refused: {}", ctx.channel().remoteAddress(), refusal.getMessage());
        agent.status().recordError(org.replicator.agent.stats.ErrorKind.CONNECTION, "refused master " + ctx.channel().remoteAddress() + ": " + refusal.getMessage());
        ctx.writeAndFlush(agent.refusal(hello, refusal.getMessage()));
        refuse(ctx, refusal);
        return;
      }
      greeted = true;
      master = hello.fromNode();
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
    if (msg instanceof Message.Handover grant) {
      // The master drained and stops: this node becomes master (the role moves on another thread).
      log.warn("peer={} master {} hands over: this node is master at epoch {}", ctx.channel().remoteAddress(), master, grant.epoch());
      agent.handedOver(master, grant);
    } else if (msg instanceof Message.Ping ping) {
      ctx.writeAndFlush(new Message.Pong(ping.nanos()));
    } else if (msg instanceof Message.Pong) {
      // Keeps the read-idle timer quiet; nothing else to do.
    } else if (msg instanceof Message.ErrorMessage error) {
      log.warn("peer={} master reported {}: {}", ctx.channel().remoteAddress(), error.code(), error.message());
      ctx.close();
    } else {
      loop.submit(ctx.channel(), msg);
      if (loop.queued() >= ApplyLoop.CAPACITY) {
        ctx.channel().config().setAutoRead(false);
      }
    }
  }

  /** Called by the apply loop after taking work: reading resumes once the queue has drained to half. */
  static void resumeReadingIfDrained(Channel channel, ApplyLoop loop) {
    if (!channel.config().isAutoRead() && loop.queued() < ApplyLoop.CAPACITY / 2 && !Rejection.isMarked(channel)) {
      channel.config().setAutoRead(true);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent done) {
      if (done.isSuccess()) {
        javax.net.ssl.SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
        try {
          PeerVerifier.checkEstablished(session, agent.peerNames(), "the cluster's nodes");
          peerName = PeerVerifier.peerName(session);
        } catch (PeerRejectedException e) {
          rejectHandshake(ctx, e);
          return;
        }
        authenticated = true;
        log.info("peer={} authenticated as {}", ctx.channel().remoteAddress(), TlsFailures.peer(session));
      } else {
        rejectHandshake(ctx, done.cause());
      }
      return;
    }
    if (evt instanceof IdleStateEvent idle) {
      if (idle.state() == IdleState.READER_IDLE) {
        log.warn("peer={} silent for {} s, closing", ctx.channel().remoteAddress(), limits.readIdleSeconds());
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
    if (tls && (!authenticated || TlsFailures.isTls(cause))) {
      // No authenticated session (or TLS itself broke): there is no one to send an ERROR frame to.
      rejectHandshake(ctx, cause);
      return;
    }
    Throwable refused = refusal(cause);
    String what = refused.getMessage() != null ? refused.getMessage() : "unexpected failure without a message";
    log.debug("peer={} connection failure", ctx.channel().remoteAddress(), cause);
    if (!greeted && !tls && cause instanceof TooLongFrameException) {
      // Only on a plain-TCP slave: a TLS ClientHello read as a length field is huge. On a TLS slave
      // this frame came from an authenticated peer, which speaks TLS: no such hint applies.
      what += " (a TLS peer talking to a plain-TCP slave? transport must be the same on every node)";
    }
    if (Rejection.isMarked(ctx.channel())) {
      log.debug("peer={} after the refusal: {}", ctx.channel().remoteAddress(), what);
      return;
    }
    log.warn("peer={} closing connection: {}", ctx.channel().remoteAddress(), what);
    agent.status().recordError(org.replicator.agent.stats.ErrorKind.CONNECTION, "connection from " + ctx.channel().remoteAddress() + " closed: " + what);
    refuse(ctx, refused);
  }

  /**
   * The failure to report for {@code cause}: a frame that did not decode arrives wrapped by Netty
   * (unwrapped here, so the ERROR code is the one for the real failure: UNSAFE_PATH for a path);
   * the framer's own refusal of a length becomes the protocol error it is.
   */
  private static Throwable refusal(Throwable cause) {
    if (cause instanceof TooLongFrameException) {
      return new ProtocolException("a length field announces a frame over the limit of " + Protocol.MAX_FRAME + " bytes (" + cause.getMessage() + ")", cause);
    }
    if (cause instanceof DecoderException && cause.getCause() != null) {
      return cause.getCause();
    }
    return cause;
  }

  /** Logs a failed handshake once, with the peer's address and what its certificate was. */
  private void rejectHandshake(ChannelHandlerContext ctx, Throwable cause) {
    if (!rejected) {
      rejected = true;
      String why = TlsFailures.describe(cause);
      if (authenticated) {
        log.warn("peer={} TLS session failed, closing: {}", ctx.channel().remoteAddress(), why);
      } else {
        // A peer retrying with the same bad certificate is logged once a minute, not every time.
        if (agent.rejections().allow(host(ctx) + " " + why)) {
          log.warn("peer={} rejected at the TLS handshake: {}", ctx.channel().remoteAddress(), why);
        } else {
          log.debug("peer={} rejected at the TLS handshake: {}", ctx.channel().remoteAddress(), why);
        }
        agent.status().recordError(org.replicator.agent.stats.ErrorKind.CONNECTION, "rejected connection from " + ctx.channel().remoteAddress() + ": " + why);
      }
    }
    ctx.close();
  }

  private static String host(ChannelHandlerContext ctx) {
    return ctx.channel().remoteAddress() instanceof java.net.InetSocketAddress a ? a.getHostString() : String.valueOf(ctx.channel().remoteAddress());
  }

  /**
   * Refuses the connection: nothing it sends from now on reaches the apply loop ({@link Rejection}),
   * reading stops, and the ERROR frame for {@code cause} goes out before the close.
   */
  private void refuse(ChannelHandlerContext ctx, Throwable cause) {
    if (!Rejection.mark(ctx.channel())) {
      return; // the apply loop refused first and sent its ERROR
    }
    ctx.channel().config().setAutoRead(false);
    if (cause instanceof java.io.IOException) {
      ctx.close(); // the socket itself failed (reset, broken pipe): no one to send an ERROR to
      return;
    }
    Rejection.sendErrorAndClose(ctx.channel(), cause);
  }
}
