package org.replicator.agent.master;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import org.replicator.agent.net.Pipelines;
import org.replicator.agent.net.SessionLimits;
import org.replicator.agent.net.TrafficMeter;
import org.replicator.core.config.NodeConfig;

/**
 * The pipeline of the master's connection to one slave: TLS (unless {@code transport: plain}),
 * the shared codec stages of {@link Pipelines#addCodec} (traffic meter, bandwidth limit, frame
 * codec, idle and handshake timers), then {@link MasterSessionHandler}, which hands frames to the
 * link. No decisions here, only order.
 */
final class MasterChannelInitializer extends ChannelInitializer<SocketChannel> {
  private final NodeConfig slave;
  /** Accepts only this slave's certificate; null for plain TCP. */
  private final SslContext tls;
  private final long writeLimit;
  private final TrafficMeter meter;
  private final SessionLimits limits;
  private final SlaveSessionListener listener;

  MasterChannelInitializer(NodeConfig slave, SslContext tls, long writeLimit, TrafficMeter meter, SessionLimits limits,
      SlaveSessionListener listener) {
    this.slave = slave;
    this.tls = tls;
    this.writeLimit = writeLimit;
    this.meter = meter;
    this.limits = limits;
    this.listener = listener;
  }

  /** The master's silence limit: {@link Pipelines#MASTER_SILENCE_SECONDS}, or shorter limits of a test. */
  static int silenceSeconds(SessionLimits limits) {
    return Math.min(limits.readIdleSeconds(), Pipelines.MASTER_SILENCE_SECONDS);
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    SslHandler ssl = tls == null ? null : tls.newHandler(ch.alloc(), slave.host(), slave.port());
    Pipelines.addCodec(ch.pipeline(), ssl, writeLimit, meter, silenceSeconds(limits), limits.handshakeTimeoutMillis());
    ch.pipeline().addLast("session", new MasterSessionHandler(listener, limits));
  }
}
