package org.replicator.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.replicator.agent.net.Transport;
import org.replicator.core.config.Endpoint;

/** The /metrics endpoint serves one thing and is bounded against everything else. */
class MetricsServerTest {
  private final AtomicInteger scrapes = new AtomicInteger();
  private EventLoopGroup group;
  private MetricsServer server;
  private InetSocketAddress address;

  @BeforeEach
  void start() throws Exception {
    group = Transport.newGroup(1);
    server = new MetricsServer(new Endpoint("127.0.0.1", 0), group, () -> "replicator_up " + scrapes.incrementAndGet() + "\n");
    server.start();
    address = server.localAddress();
  }

  @AfterEach
  void stop() {
    server.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private String exchange(String request) throws IOException {
    try (Socket s = new Socket(address.getAddress(), address.getPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void getMetricsAnswersTheScrapeInPrometheusTextFormat() throws IOException {
    String response = exchange("GET /metrics?x=1 HTTP/1.1\r\nHost: a\r\n\r\n");
    assertThat(response).startsWith("HTTP/1.1 200 OK\r\n")
        .contains("content-type: text/plain; version=0.0.4; charset=utf-8\r\n")
        .contains("connection: close\r\n")
        .endsWith("\r\n\r\nreplicator_up 1\n");
  }

  @Test
  void otherPathsAreNotFoundAndOtherMethodsNotAllowedWithoutScraping() throws IOException {
    assertThat(exchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 404 Not Found");
    assertThat(exchange("GET /metrics/../control HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 404 Not Found");
    assertThat(exchange("DELETE /metrics HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 405 Method Not Allowed").contains("allow: GET");
    assertThat(exchange("HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\n")).startsWith("HTTP/1.1 405");
    assertThat(scrapes).hasValue(0);
  }

  @Test
  void requestWithABodyIsRefused() throws IOException {
    String response = exchange("POST /metrics HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
    assertThat(response).startsWith("HTTP/1.1 413");
    assertThat(scrapes).hasValue(0);
  }

  @Test
  void oversizedRequestLineAndHeadersAreRefused() throws IOException {
    assertThat(exchange("GET /metrics?" + "a".repeat(MetricsServer.MAX_INITIAL_LINE) + " HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(exchange("GET /metrics HTTP/1.1\r\nX: " + "a".repeat(MetricsServer.MAX_HEADERS) + "\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(exchange("garbage\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(scrapes).hasValue(0);
  }
}
