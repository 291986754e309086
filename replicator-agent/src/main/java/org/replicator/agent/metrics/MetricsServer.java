package org.replicator.agent.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.BindException;
import java.net.InetSocketAddress;
import org.replicator.agent.net.Listen;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.replicator.agent.net.ConnectionLimit;
import org.replicator.agent.net.Transport;
import org.replicator.core.config.Endpoint;

/**
 * The read-only Prometheus endpoint: {@code GET /metrics} answers the text exposition format;
 * every other path is 404, every other method 405, a request with a body 413. Nothing a client
 * sends can change anything.
 *
 * <p>Why Netty rather than the JDK's {@code com.sun.net.httpserver}: the bounds below are explicit
 * per server here, where the JDK server takes its limits and timeouts from JVM-wide system
 * properties; and it runs on the transport (epoll) and thread model the agent already has.
 *
 * <p>Bounds: request line 1 KiB, headers 8 KiB, no body, 10 s to send a request, {@link
 * #MAX_CONNECTIONS} connections, one request per connection ({@code Connection: close}). Threads:
 * the given group's event loop for I/O; scrapes run one at a time on {@code replicator-metrics}
 * (gauges may read /proc, which must not block the event loop).
 */
public final class MetricsServer implements AutoCloseable {
  static final int MAX_CONNECTIONS = 16;
  static final int MAX_INITIAL_LINE = 1024;
  static final int MAX_HEADERS = 8192;
  static final int READ_TIMEOUT_SECONDS = 10;

  private final Endpoint endpoint;
  private final EventLoopGroup group;
  private final Supplier<String> scrape;
  private final ExecutorService scraper = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "replicator-metrics");
    t.setDaemon(true);
    return t;
  });
  private Channel server;

  /** @param scrape the exposition text, computed on the scrape thread */
  public MetricsServer(Endpoint endpoint, EventLoopGroup group, Supplier<String> scrape) {
    this.endpoint = endpoint;
    this.group = group;
    this.scrape = scrape;
  }

  public void start() throws InterruptedException, BindException {
    ConnectionLimit limit = new ConnectionLimit(MAX_CONNECTIONS);
    server = Listen.on(new ServerBootstrap()
        .group(group)
        .channel(Transport.serverChannel())
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            // Refuse past the connection cap before anything is parsed.
            ch.pipeline().addLast("limit", limit);
            // A client that sends its request too slowly loses the connection.
            ch.pipeline().addLast("timeout", new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS));
            // HTTP/1.1 with small limits on the request line and headers.
            ch.pipeline().addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADERS, 8192));
            ch.pipeline().addLast("metrics", new MetricsHttpHandler(scraper, scrape));
          }
        }), new InetSocketAddress(endpoint.host(), endpoint.port()), "metrics");
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) server.localAddress();
  }

  @Override
  public void close() {
    if (server != null) {
      server.close().syncUninterruptibly();
    }
    scraper.shutdownNow();
  }
}
