package org.replicator.agent.systemd;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells systemd about the agent (sd_notify(3), for {@code Type=notify}): {@code READY=1} once it
 * serves, a current one-line {@code STATUS=}, {@code STOPPING=1}. Messages are datagrams on the
 * AF_UNIX socket named by {@code NOTIFY_SOCKET} (a leading {@code @} is the abstract namespace),
 * sent through Netty's native epoll domain datagram channel: the JDK has no datagram Unix sockets
 * and libsystemd is not needed for three lines of text.
 *
 * <p>Without {@code NOTIFY_SOCKET} (not started by systemd) every method does nothing. A send that
 * fails is logged once at WARN and never stops the agent: replication matters more than the
 * status line. Owns one daemon event-loop thread while open. Thread-safe.
 */
public final class SystemdNotifier implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SystemdNotifier.class);
  private static final long SEND_TIMEOUT_MILLIS = 2_000;

  private final DomainSocketAddress target;
  private final EventLoopGroup group;
  private final Channel channel;
  private boolean warned;

  private SystemdNotifier(DomainSocketAddress target, EventLoopGroup group, Channel channel) {
    this.target = target;
    this.group = group;
    this.channel = channel;
  }

  /** The notifier for this process's environment; a no-op one when {@code NOTIFY_SOCKET} is unset. */
  @SuppressWarnings("deprecation") // DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION: still the way to send unbound in 4.2
  public static SystemdNotifier fromEnvironment(Map<String, String> env) {
    String socket = env.get("NOTIFY_SOCKET");
    if (socket == null || socket.isEmpty()) {
      return new SystemdNotifier(null, null, null);
    }
    if (!socket.startsWith("/") && !socket.startsWith("@")) {
      log.warn("NOTIFY_SOCKET={} is neither a path nor @abstract: systemd will not hear that this node is ready", socket);
      return new SystemdNotifier(null, null, null);
    }
    if (!Epoll.isAvailable()) {
      log.warn("NOTIFY_SOCKET is set but the native epoll transport did not load ({}): systemd will not hear that this node is ready",
          String.valueOf(Epoll.unavailabilityCause()));
      return new SystemdNotifier(null, null, null);
    }
    // The abstract namespace is a name starting with a NUL byte; Netty passes the bytes as given.
    String path = socket.startsWith("@") ? "\0" + socket.substring(1) : socket;
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("replicator-notify", true), EpollIoHandler.newFactory());
    try {
      // Unbound and unconnected: active at registration, so that it can send to any address.
      Channel channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
          .option(ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true)
          .handler(new ChannelInboundHandlerAdapter()).register().syncUninterruptibly().channel();
      return new SystemdNotifier(new DomainSocketAddress(path), group, channel);
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
      log.warn("NOTIFY_SOCKET={}: cannot open a datagram socket ({}): systemd will not hear that this node is ready", socket, e.getMessage());
      return new SystemdNotifier(null, null, null);
    }
  }

  /** Whether messages go anywhere (started by systemd with {@code Type=notify}). */
  public boolean enabled() {
    return channel != null;
  }

  /** {@code READY=1} with the first status line: the node serves. */
  public void ready(String status) {
    send("READY=1\nSTATUS=" + oneLine(status) + "\n");
  }

  /** A new status line ({@code systemctl status} shows the last one). */
  public void status(String status) {
    send("STATUS=" + oneLine(status) + "\n");
  }

  /** {@code STOPPING=1}: the agent is shutting down (systemd stops waiting for READY). */
  public void stopping() {
    send("STOPPING=1\nSTATUS=stopping\n");
  }

  private synchronized void send(String message) {
    if (channel == null) {
      return;
    }
    byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
    var future = channel.writeAndFlush(new DomainDatagramPacket(Unpooled.wrappedBuffer(bytes), target));
    boolean done = future.awaitUninterruptibly(SEND_TIMEOUT_MILLIS);
    if ((!done || !future.isSuccess()) && !warned) {
      warned = true;
      log.warn("sd_notify to NOTIFY_SOCKET failed ({}); status updates for systemd are dropped",
          done ? reason(future.cause()) : "no answer in " + SEND_TIMEOUT_MILLIS + " ms");
    }
  }

  private static String reason(Throwable cause) {
    return cause == null || cause.getMessage() == null ? "socket closed" : cause.getMessage();
  }

  /** sd_notify lines are newline-separated: a status must not carry its own. */
  static String oneLine(String s) {
    return s.replace('\n', ' ').replace('\r', ' ');
  }

  @Override
  public synchronized void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly(SEND_TIMEOUT_MILLIS);
      group.shutdownGracefully(0, SEND_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }
  }
}
