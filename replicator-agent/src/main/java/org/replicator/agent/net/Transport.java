package org.replicator.agent.net;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Native epoll when it loads (a noexec tmp breaks it), NIO otherwise; logged once. */
public final class Transport {
  private static final Logger log = LoggerFactory.getLogger(Transport.class);
  private static volatile boolean logged;

  private Transport() {}

  public static EventLoopGroup newGroup(int threads) {
    IoHandlerFactory factory = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    if (!logged) {
      logged = true;
      if (Epoll.isAvailable()) {
        log.info("transport=epoll");
      } else {
        log.info("transport=nio reason=\"{}\"", String.valueOf(Epoll.unavailabilityCause()));
      }
    }
    return new MultiThreadIoEventLoopGroup(threads, factory);
  }

  public static Class<? extends SocketChannel> socketChannel() {
    return Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  public static Class<? extends ServerChannel> serverChannel() {
    return Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }
}
