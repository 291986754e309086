package org.replicator.agent.net;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.traffic.ChannelTrafficShapingHandler;
import java.util.concurrent.TimeUnit;
import org.replicator.core.wire.Protocol;

/** The stages both ends share, in order; each role adds its session handler last. */
public final class Pipelines {
  /** A peer that sends nothing (not even a ping) for this long is cut off. */
  public static final int READ_IDLE_SECONDS = 30;
  /** We ping when we have sent nothing for this long. */
  public static final int WRITE_IDLE_SECONDS = 5;

  private Pipelines() {}

  public static void addCodec(ChannelPipeline p, long writeLimitBytesPerSecond, TrafficMeter meter) {
    // Counts what really crosses the socket.
    p.addLast("meter", meter);
    // Idle detection: a stalled peer must not hold a connection (and its buffers) forever.
    p.addLast("idle", new IdleStateHandler(READ_IDLE_SECONDS, WRITE_IDLE_SECONDS, 0, TimeUnit.SECONDS));
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
