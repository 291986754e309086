package org.replicator.agent.net;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.traffic.ChannelTrafficShapingHandler;
import java.util.concurrent.TimeUnit;
import org.replicator.core.wire.Protocol;

/** The stages both ends share, in order; each role adds its session handler last. */
public final class Pipelines {
  /** We ping when we have sent nothing for this long. */
  public static final int WRITE_IDLE_SECONDS = 1;

  /**
   * The master drops a link whose slave has sent nothing, not even its ping, for this long (five
   * missed pings) and dials again. A cut network otherwise holds the dead connection until TCP's
   * retransmission backoff (seconds to minutes) or the 30 s read limit gives up: the fault suite
   * measured 10 s of lost time after a 20 s cut healed.
   */
  public static final int MASTER_SILENCE_SECONDS = 5;

  private Pipelines() {}

  /**
   * @param tls the TLS stage, or null for {@code transport: plain}
   * @param readIdleSeconds silence after which the session handler gets a READER_IDLE event
   */
  public static void addCodec(ChannelPipeline p, SslHandler tls, long writeLimitBytesPerSecond, TrafficMeter meter, int readIdleSeconds,
      long handshakeTimeoutMillis) {
    // Counts what really crosses the socket (TLS records included).
    p.addLast("meter", meter);
    if (tls != null) {
      // TLS before everything that reads: the framer and the decoder only ever see bytes that
      // were decrypted after the handshake authenticated the peer. A failed handshake closes the
      // channel; nothing it sent is parsed.
      tls.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
      p.addLast("tls", tls);
    }
    // Idle detection: a stalled peer must not hold a connection (and its buffers) forever. After
    // TLS, so that only whole records of application data count as life.
    p.addLast("idle", new IdleStateHandler(readIdleSeconds, WRITE_IDLE_SECONDS, 0, TimeUnit.SECONDS));
    if (writeLimitBytesPerSecond > 0) {
      // Bandwidth limit; it also lowers writability when its queue fills, which the sender obeys.
      p.addLast("shaper", new ChannelTrafficShapingHandler(writeLimitBytesPerSecond, 0, 100));
    }
    // Framing: the 4-byte length is checked against the limit before any buffer is sized.
    p.addLast("frame", new LengthFieldBasedFrameDecoder(Protocol.MAX_FRAME, 0, 4, 0, 4));
    p.addLast("decode", new MessageDecoder());
    p.addLast("encode", new MessageEncoder());
  }
}
