package org.replicator.agent.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first stage of a slave's accepted connections. A connection counts as pending from accept
 * until the session handler {@link #admit admits} it (TLS handshake done and HELLO accepted): at
 * most {@link SessionLimits#maxPendingConnections()} may be pending at once, and each has {@link
 * SessionLimits#handshakeTimeoutMillis()} to get admitted. Past the limit a connection is closed
 * before TLS or anything else sees a byte; past the deadline it is closed, whatever it is sending
 * (a peer that trickles one byte a second never looks idle, so an idle timer alone cannot stop it).
 * Admitted connections (the master's) do not count: a flood of strangers delays the master by at
 * most one deadline, it never locks it out for good.
 *
 * <p>Shared by every connection of one listener; the counter is atomic, per-connection state lives
 * in channel attributes and is touched on that channel's event loop.
 */
@ChannelHandler.Sharable
public final class ConnectionGate extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionGate.class);
  private static final AttributeKey<ScheduledFuture<?>> DEADLINE = AttributeKey.valueOf("replicator.gate.deadline");
  /** One refusal line per this interval at most: a flood must not flood the log too. */
  private static final long LOG_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

  private final SessionLimits limits;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicLong lastRefusalLog = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);
  private final AtomicLong refusedSinceLog = new AtomicLong();
  private final LogLimiter slowPeers = new LogLimiter(1, TimeUnit.MINUTES);

  public ConnectionGate(SessionLimits limits) {
    this.limits = limits;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    Channel ch = ctx.channel();
    if (pending.incrementAndGet() > limits.maxPendingConnections()) {
      pending.decrementAndGet();
      refused(ch);
      ctx.close();
      return;
    }
    ScheduledFuture<?> deadline = ctx.executor().schedule(() -> {
      if (ch.attr(DEADLINE).getAndSet(null) != null) {
        pending.decrementAndGet();
        String host = ch.remoteAddress() instanceof java.net.InetSocketAddress a ? a.getHostString() : String.valueOf(ch.remoteAddress());
        if (slowPeers.allow(host)) {
          log.warn("peer={} did not authenticate within {} ms; closing (logged once a minute per host)", ch.remoteAddress(),
              limits.handshakeTimeoutMillis());
        }
        ch.close();
      }
    }, limits.handshakeTimeoutMillis(), TimeUnit.MILLISECONDS);
    ch.attr(DEADLINE).set(deadline);
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    release(ctx.channel());
    ctx.fireChannelInactive();
  }

  /** The peer is the authenticated master: it no longer counts against the limit or the deadline. */
  public void admit(Channel ch) {
    release(ch);
  }

  /** Connections waiting to authenticate now (for tests and status). */
  public int pending() {
    return pending.get();
  }

  private void release(Channel ch) {
    ScheduledFuture<?> deadline = ch.attr(DEADLINE).getAndSet(null);
    if (deadline != null) {
      deadline.cancel(false);
      pending.decrementAndGet();
    }
  }

  private void refused(Channel ch) {
    long count = refusedSinceLog.incrementAndGet();
    long now = System.nanoTime();
    long last = lastRefusalLog.get();
    if (now - last >= LOG_EVERY_NANOS && lastRefusalLog.compareAndSet(last, now)) {
      refusedSinceLog.set(0);
      log.warn("peer={} refused: {} connections are already waiting to authenticate (limit {}); {} refused since the last such line",
          ch.remoteAddress(), limits.maxPendingConnections(), limits.maxPendingConnections(), count);
    }
  }
}
