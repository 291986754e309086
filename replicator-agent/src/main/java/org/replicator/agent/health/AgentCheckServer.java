package org.replicator.agent.health;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.net.BindException;
import java.net.InetSocketAddress;
import org.replicator.agent.net.Listen;
import java.util.function.Supplier;
import org.replicator.agent.net.ConnectionLimit;
import org.replicator.agent.net.Transport;
import org.replicator.core.config.Endpoint;

/**
 * HAProxy's agent-check endpoint on a slave: on each TCP connection it writes one ASCII line
 * ({@code up ready}, {@code up drain # reason} or {@code down # reason}, see {@link
 * org.replicator.core.health.Verdict}) and closes. It reads nothing it acts on: whatever the peer
 * sends (HAProxy's optional {@code agent-send}) is discarded, at most {@link
 * AgentCheckHandler#MAX_DISCARD} bytes, and a connection lives at most {@link
 * AgentCheckHandler#LINGER_MILLIS}. At most {@link #MAX_CONNECTIONS} at once.
 *
 * <p>Threads: the event loop of the group it is given; the answer supplier runs there and must
 * not block.
 */
public final class AgentCheckServer implements AutoCloseable {
  static final int MAX_CONNECTIONS = 32;

  private final Endpoint endpoint;
  private final EventLoopGroup group;
  private final Supplier<String> answer;
  private Channel server;

  public AgentCheckServer(Endpoint endpoint, EventLoopGroup group, Supplier<String> answer) {
    this.endpoint = endpoint;
    this.group = group;
    this.answer = answer;
  }

  public void start() throws InterruptedException, BindException {
    ConnectionLimit limit = new ConnectionLimit(MAX_CONNECTIONS);
    server = Listen.on(new ServerBootstrap()
        .group(group)
        .channel(Transport.serverChannel())
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            // Bound first, then answer: no decoding, the request is never interpreted.
            ch.pipeline().addLast("limit", limit);
            ch.pipeline().addLast("answer", new AgentCheckHandler(answer));
          }
        }), new InetSocketAddress(endpoint.host(), endpoint.port()), "HAProxy agent-check");
  }

  /** The bound address (tests bind port 0). */
  public InetSocketAddress localAddress() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    if (server != null) {
      server.close().syncUninterruptibly();
    }
  }
}
