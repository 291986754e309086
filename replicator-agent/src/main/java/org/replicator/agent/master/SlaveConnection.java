package org.replicator.agent.master;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.replicator.agent.net.SessionLimits;
import org.replicator.agent.net.TrafficMeter;
import org.replicator.agent.net.Transport;
import org.replicator.agent.tls.PeerRejectedException;
import org.replicator.agent.tls.PeerVerifier;
import org.replicator.agent.tls.TlsFailures;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.wire.ErrorCode;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;
import org.replicator.core.role.Epoch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket side of one slave link: dials the slave, waits for TLS and the protocol handshake,
 * and holds what belongs to the current connection (the channel, the inbox of frames the sender
 * thread reads, the last error, whether the slave speaks patches, the byte counters).
 *
 * <p>Knows nothing of batches, queues or catch-up: {@link SlaveLink} decides when to dial and what
 * to send. Threads: {@link #dial} runs on the link's sender thread; {@link #received} and
 * {@link #noteCloseReason} on the event loop; every field shared between them is volatile.
 */
final class SlaveConnection {
  /** A dial that has not connected in this long is abandoned and retried. */
  static final int CONNECT_TIMEOUT_MILLIS = 3000;
  /** Frames of the slave not yet read by the sender thread; more closes the connection. */
  static final int INBOX_FRAMES = 1024;
  // The link's log lines keep one logger name (SlaveLink), whichever part writes them: operators
  // filter on it.
  private static final Logger log = LoggerFactory.getLogger(SlaveLink.class);

  private final NodeConfig slave;
  private final EventLoopGroup group;
  private final long writeLimit;
  /** Accepts only this slave's certificate; null for {@code transport: plain}. */
  private final SslContext tls;
  private final SessionLimits limits;
  private final TrafficMeter meter = new TrafficMeter();
  private final BlockingQueue<Message> inbox = new ArrayBlockingQueue<>(INBOX_FRAMES);
  private volatile Channel channel;
  private volatile String lastError;
  /** Why the session handler closed the current connection, if it knows; reset at every dial. */
  private volatile String closeReason;
  private volatile boolean speaksPatches;
  private volatile boolean running = true;

  SlaveConnection(NodeConfig slave, EventLoopGroup group, long writeLimit, SslContext tls, SessionLimits limits) {
    this.slave = slave;
    this.group = group;
    this.writeLimit = writeLimit;
    this.tls = tls;
    this.limits = limits;
  }

  /**
   * Sender thread: connects, authenticates the slave (TLS) and exchanges hello frames. Throws,
   * with a message for the retry log line, when any step fails or the slave refuses.
   */
  Message.HelloReply dial(Message.Hello hello, SlaveSessionListener listener) throws Exception {
    inbox.clear();
    closeReason = null;
    Bootstrap b = new Bootstrap()
        .group(group)
        .channel(Transport.socketChannel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        // Short: a SYN lost in a cut is retried by TCP only after 1 s, 3 s, 7 s...; a fresh
        // attempt every few seconds finds a healed network sooner.
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
        .handler(new MasterChannelInitializer(slave, tls, writeLimit, meter, limits, listener));
    ChannelFuture f = b.connect(new InetSocketAddress(slave.host(), slave.port()));
    if (!f.await(CONNECT_TIMEOUT_MILLIS + 1000, TimeUnit.MILLISECONDS) || !f.isSuccess()) {
      Throwable cause = f.cause();
      f.channel().close();
      throw new IOException("cannot connect: " + (cause == null ? "timed out" : cause.getMessage()));
    }
    channel = f.channel();
    String peer = "";
    if (tls != null) {
      peer = " certificate " + authenticate(channel);
    }
    channel.writeAndFlush(hello);
    Message first = inbox.poll(30, TimeUnit.SECONDS);
    if (!(first instanceof Message.HelloReply reply)) {
      String why = closeReason;
      String error = lastError;
      // A slave from before epochs cannot read the HELLO's last field and answers with ERROR PROTOCOL.
      String hint = error != null && error.contains("HELLO") && error.contains("trailing bytes")
          ? " (the slave runs a version before protocol " + Protocol.MAJOR + "." + Protocol.MINOR_EPOCH
              + ", which cannot read this node's " + Protocol.MAJOR + "." + Protocol.MINOR + " HELLO: upgrade it)"
          : "";
      throw new IOException((first == null ? "no handshake answer within 30 s"
          : why != null ? "connection closed before the handshake answer: " + why
          : error != null ? "no handshake answer: " + error
          : "no handshake answer, got " + first.type()) + hint);
    }
    if (Protocol.hasEpoch(reply.major(), reply.minor()) && reply.epoch() > hello.epoch()) {
      // Whatever the slave said besides: it follows a newer epoch, so this master must not send.
      throw new SupersededException(slave.name(), new Epoch(reply.epoch(), reply.master().isEmpty() ? "?" : reply.master()), hello.epoch(),
          reply.reason());
    }
    if (!reply.accepted()) {
      throw new IOException("slave refused the handshake: " + reply.reason());
    }
    if (!Protocol.compatible(reply.major(), reply.minor())) {
      throw new IOException("slave speaks protocol " + reply.major() + "." + reply.minor() + ", we speak " + Protocol.MAJOR + "." + Protocol.MINOR);
    }
    if (!Protocol.hasEpoch(reply.major(), reply.minor())) {
      throw new IOException("slave speaks protocol " + reply.major() + "." + reply.minor() + ", which has no epoch (failover fencing); this node speaks "
          + Protocol.MAJOR + "." + Protocol.MINOR + ": upgrade the slave");
    }
    if (reply.epoch() != hello.epoch()) {
      throw new IOException("slave accepted the handshake at epoch " + reply.epoch() + ", not this master's " + hello.epoch() + "; not sending");
    }
    speaksPatches = Protocol.negotiatedMinor(reply.minor()) >= Protocol.MINOR_PATCHES;
    lastError = null;
    log.info("slave={} connected address={}{} lastAppliedSeq={}", slave.name(), channel.remoteAddress(), peer, reply.lastAppliedSeq());
    return reply;
  }

  /** Waits for the TLS handshake; the slave's certificate has passed the verifier when it succeeds. */
  private String authenticate(Channel ch) throws IOException, InterruptedException {
    SslHandler ssl = ch.pipeline().get(SslHandler.class);
    var handshake = ssl.handshakeFuture();
    if (!handshake.await(limits.handshakeTimeoutMillis() + 1000, TimeUnit.MILLISECONDS) || !handshake.isSuccess()) {
      Throwable cause = handshake.cause();
      throw new IOException("TLS handshake failed: " + (cause == null ? "timed out" : TlsFailures.describe(cause)));
    }
    try {
      PeerVerifier.checkEstablished(ssl.engine().getSession(), slave.name(), "slave");
    } catch (PeerRejectedException e) {
      throw new IOException("TLS handshake failed: " + e.getMessage(), e);
    }
    return TlsFailures.peer(ssl.engine().getSession());
  }

  /** The current (or last) connection; null before the first dial. */
  Channel channel() {
    return channel;
  }

  /** Sender thread: the next frame of the slave, or null after {@code nanos}. */
  Message poll(long nanos) throws InterruptedException {
    return inbox.poll(nanos, TimeUnit.NANOSECONDS);
  }

  /** Event loop: a frame for the sender thread; an inbox overflow closes the connection. */
  void received(Message m) {
    if (!inbox.offer(m)) {
      recordError("inbox overflow: the slave sent more than " + INBOX_FRAMES + " unread frames");
      Channel ch = channel;
      if (ch != null) {
        ch.close();
      }
    }
  }

  /** Event loop: the connection ended; a sender thread waiting for a frame stops waiting. */
  void ended() {
    inbox.offer(new Message.ErrorMessage(ErrorCode.INTERNAL, "disconnected"));
  }

  void noteCloseReason(String reason) {
    closeReason = reason;
  }

  void recordError(String error) {
    lastError = error;
  }

  String lastError() {
    return lastError;
  }

  /** Whether this slave's protocol has patches (set at each handshake). */
  boolean speaksPatches() {
    return speaksPatches;
  }

  boolean running() {
    return running;
  }

  TrafficMeter meter() {
    return meter;
  }

  /** Sender thread: closes the current connection and waits briefly for it to go. */
  void closeChannel() {
    Channel ch = channel;
    if (ch != null) {
      ch.close().awaitUninterruptibly(2000);
    }
  }

  /** Any thread: no more dials; the current connection closes. */
  void stop() {
    running = false;
    Channel ch = channel;
    if (ch != null) {
      ch.close();
    }
  }
}
