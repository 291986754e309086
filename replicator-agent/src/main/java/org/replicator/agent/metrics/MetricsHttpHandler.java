package org.replicator.agent.metrics;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one request per connection, as soon as its head is parsed: {@code GET /metrics} (query
 * ignored) with the scrape, else 400 (malformed or too long), 413 (a body), 404, 405. Anything
 * after the head is ignored. The scrape runs on the scrape executor; the answer is written back
 * from there (Netty hands the write to the event loop).
 */
final class MetricsHttpHandler extends SimpleChannelInboundHandler<HttpObject> {
  private static final Logger log = LoggerFactory.getLogger(MetricsHttpHandler.class);
  static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final ExecutorService scraper;
  private final Supplier<String> scrape;
  private boolean answered;

  MetricsHttpHandler(ExecutorService scraper, Supplier<String> scrape) {
    this.scraper = scraper;
    this.scrape = scrape;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
    if (answered || !(msg instanceof HttpRequest request)) {
      return; // the rest of a request already answered
    }
    answered = true;
    if (!request.decoderResult().isSuccess()) {
      respond(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n", null);
      return;
    }
    if (HttpUtil.getContentLength(request, 0L) > 0 || HttpUtil.isTransferEncodingChunked(request)) {
      respond(ctx, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "no request body accepted\n", null);
      return;
    }
    String uri = request.uri();
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    if (!path.equals("/metrics")) {
      respond(ctx, HttpResponseStatus.NOT_FOUND, "not found: only /metrics is served\n", null);
      return;
    }
    if (!request.method().equals(HttpMethod.GET)) {
      respond(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n", null);
      return;
    }
    try {
      scraper.execute(() -> {
        String text;
        try {
          text = scrape.get();
        } catch (RuntimeException e) {
          log.warn("event=scrape-failed cause=\"{}\"", e.toString(), e);
          respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed: " + e + "\n", null);
          return;
        }
        respond(ctx, HttpResponseStatus.OK, text, CONTENT_TYPE);
      });
    } catch (RejectedExecutionException e) {
      respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "stopping\n", null); // the agent is closing
    }
  }

  private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body, String contentType) {
    ByteBuf bytes = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, bytes);
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType != null ? contentType : "text/plain; charset=utf-8");
    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.readableBytes());
    response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (status == HttpResponseStatus.METHOD_NOT_ALLOWED) {
      response.headers().set(HttpHeaderNames.ALLOW, "GET");
    }
    ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof ReadTimeoutException)) {
      log.debug("metrics peer={} closed: {}", ctx.channel().remoteAddress(), cause.toString());
    }
    ctx.close();
  }
}
