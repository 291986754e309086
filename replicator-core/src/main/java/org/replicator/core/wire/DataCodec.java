package org.replicator.core.wire;

import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DATA payload: {@code u8 flags · u32 rawLength · bytes}, LZ4 block compressed when that pays.
 *
 * <p>Compression uses the fastest factory (JNI when its native library loads, else a Java one
 * 7–10× slower: which one is logged once). Decompression of peer bytes always uses the safe Java
 * decompressor into a buffer of the declared raw length, checked against the limit first, so a
 * compression bomb can neither allocate nor write past what the frame declared; a match offset
 * of 0, which that decompressor lets through, is refused as corrupt ({@link Lz4BlockCheck}). Both
 * are thread safe and shared.
 */
final class DataCodec {
  static final int FLAG_RAW = 0;
  static final int FLAG_LZ4 = 1;

  private static final Logger log = LoggerFactory.getLogger(DataCodec.class);
  private static final LZ4Compressor COMPRESSOR;
  private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.safeInstance().safeDecompressor();

  static {
    LZ4Factory fastest = LZ4Factory.fastestInstance();
    COMPRESSOR = fastest.fastCompressor();
    log.info("LZ4 for wire data: factory {}, compressor {}, decompressor {}", fastest, COMPRESSOR, DECOMPRESSOR);
  }

  private DataCodec() {}

  static void write(WireOutput out, byte[] raw) {
    int start = out.position();
    int max = COMPRESSOR.maxCompressedLength(raw.length);
    out.ensure(5 + max);
    int payloadAt = start + 5;
    int compressed = COMPRESSOR.compress(raw, 0, raw.length, out.array(), payloadAt, max);
    // Send raw unless LZ4 saves more than 1/16: already-compressed media (jpg, zip, woff2) would
    // otherwise cost the slave a decompression for nothing.
    if (compressed + (raw.length >>> 4) < raw.length) {
      out.u8(FLAG_LZ4);
      out.i32(raw.length);
      out.position(payloadAt + compressed);
    } else {
      out.u8(FLAG_RAW);
      out.i32(raw.length);
      out.bytes(raw, 0, raw.length);
    }
  }

  static byte[] read(WireInput in) throws ProtocolException {
    int flags = in.u8("flags");
    long rawLength = in.u32("rawLength");
    if (rawLength < 1 || rawLength > Protocol.MAX_DATA_CHUNK) {
      throw in.error("declares raw length " + rawLength + ", limit " + Protocol.MAX_DATA_CHUNK);
    }
    int payload = in.remaining();
    ByteBuffer src = in.buffer();
    switch (flags) {
      case FLAG_RAW: {
        if (payload != rawLength) {
          throw in.error("declares raw length " + rawLength + " but carries " + payload + " bytes");
        }
        byte[] raw = new byte[payload];
        src.get(raw);
        return raw;
      }
      case FLAG_LZ4: {
        if (payload == 0) {
          throw in.error("declares LZ4 data of raw length " + rawLength + " but carries no bytes");
        }
        byte[] raw = new byte[(int) rawLength];
        int produced;
        try {
          produced =
              DECOMPRESSOR.decompress(src, src.position(), payload, ByteBuffer.wrap(raw), 0, raw.length);
        } catch (LZ4Exception e) {
          throw new ProtocolException(
              "DATA frame LZ4 payload of " + payload + " bytes is malformed or inflates past its declared raw length "
                  + rawLength + ": " + e.getMessage(),
              e);
        }
        if (produced != rawLength) {
          throw in.error("declares raw length " + rawLength + " but its LZ4 payload inflates to " + produced);
        }
        int zeroOffset = Lz4BlockCheck.zeroOffsetAt(src, src.position(), payload);
        if (zeroOffset >= 0) {
          throw in.error("LZ4 payload is corrupt: a match at byte " + zeroOffset + " has offset 0");
        }
        src.position(src.position() + payload);
        return raw;
      }
      default:
        throw in.error("has unknown flags " + flags);
    }
  }
}
