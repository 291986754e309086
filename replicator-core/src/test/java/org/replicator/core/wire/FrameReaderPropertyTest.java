package org.replicator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.replicator.core.testing.Seeds;
import org.replicator.core.path.UnsafePathException;

/**
 * Hostile input never escapes as anything but the two documented failures. Seeded loops: each run
 * prints its seed ({@code -Dtest.seed=N} replays it); {@code -Dtest.tries=N} runs longer.
 */
class FrameReaderPropertyTest {
  private static final List<byte[]> VALID_BODIES =
      WireSamples.messages().stream()
          .filter(m -> !(m instanceof Message.Data d && d.bytes().length > 1000)) // keep tries fast
          .map(m -> {
            byte[] frame = FrameWriter.encode(m);
            return Arrays.copyOfRange(frame, 4, frame.length);
          })
          .toList();

  private static byte[] bytes(Random random, int min, int max) {
    byte[] b = new byte[min + random.nextInt(max - min + 1)];
    random.nextBytes(b);
    return b;
  }

  @Test
  void randomBytesFailOnlyAsProtocolOrUnsafePath() {
    Random random = Seeds.random("randomBytes");
    for (int i = 0; i < Seeds.tries(100_000); i++) {
      assertDecodesOrFailsCleanly(bytes(random, 0, 64));
    }
  }

  @Test
  void randomPayloadsBehindValidTypesFailOnlyAsProtocolOrUnsafePath() {
    Random random = Seeds.random("randomPayloads");
    FrameType[] types = FrameType.values();
    for (int i = 0; i < Seeds.tries(100_000); i++) {
      byte[] payload = bytes(random, 0, 300);
      byte[] body = new byte[1 + payload.length];
      body[0] = (byte) types[random.nextInt(types.length)].code();
      System.arraycopy(payload, 0, body, 1, payload.length);
      assertDecodesOrFailsCleanly(body);
    }
  }

  @Test
  void mutatedValidFramesFailOnlyAsProtocolOrUnsafePath() {
    Random random = Seeds.random("mutatedFrames");
    for (int i = 0; i < Seeds.tries(100_000); i++) {
      byte[] body = VALID_BODIES.get(random.nextInt(VALID_BODIES.size())).clone();
      int flips = 1 + random.nextInt(4);
      byte xor = (byte) (1 + random.nextInt(255));
      for (int f = 0; f < flips; f++) {
        body[random.nextInt(body.length)] ^= xor;
      }
      int chopped = random.nextInt(9);
      assertDecodesOrFailsCleanly(Arrays.copyOf(body, Math.max(0, body.length - chopped)));
    }
  }

  @Test
  void randomStreamsThroughTheIncrementalReaderFailCleanly() {
    Random random = Seeds.random("randomStreams");
    for (int i = 0; i < Seeds.tries(20_000); i++) {
      byte[] stream = bytes(random, 0, 200);
      int chunk = 1 + random.nextInt(50);
      FrameReader reader = new FrameReader();
      try {
        for (int at = 0; at < stream.length; at += chunk) {
          reader.feed(ByteBuffer.wrap(stream, at, Math.min(chunk, stream.length - at)), m -> {});
        }
      } catch (ProtocolException | UnsafePathException expected) {
        // the documented failures
      }
    }
  }

  @Test
  void validStreamsSurviveAnySplit() throws Exception {
    Random random = Seeds.random("validStreams");
    List<Message> sent = WireSamples.messages();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    sent.forEach(m -> out.writeBytes(FrameWriter.encode(m)));
    byte[] bytes = out.toByteArray();
    for (int t = 0; t < Seeds.tries(500); t++) {
      FrameReader reader = new FrameReader();
      List<Message> received = new ArrayList<>();
      int at = 0;
      for (int i = 0; at < bytes.length; i++) {
        int n = Math.min(bytes.length - at, (1 + random.nextInt(700)) * (i % 3 == 0 ? 1000 : 1));
        reader.feed(ByteBuffer.wrap(bytes, at, n), received::add);
        at += n;
      }
      assertThat(received).isEqualTo(sent);
    }
  }

  private static void assertDecodesOrFailsCleanly(byte[] body) {
    Message decoded;
    try {
      decoded = FrameReader.decode(ByteBuffer.wrap(body));
    } catch (ProtocolException | UnsafePathException expected) {
      return;
    }
    // Whatever decodes must encode back to exactly the same bytes... except DATA, whose
    // compression choice may legitimately differ from the peer's.
    if (!(decoded instanceof Message.Data)) {
      byte[] again = FrameWriter.encode(decoded);
      assertThat(Arrays.copyOfRange(again, 4, again.length)).isEqualTo(body);
    }
  }
}
