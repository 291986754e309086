package org.replicator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jpountz.lz4.LZ4Factory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.replicator.core.path.UnsafePathException;

class FrameReaderTest {

  private static byte[] stream(List<Message> messages) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Message m : messages) {
      out.writeBytes(FrameWriter.encode(m));
    }
    return out.toByteArray();
  }

  @Test
  void incrementalReaderFedOneByteAtATimeYieldsEveryMessage() throws Exception {
    List<Message> sent = WireSamples.messages();
    byte[] bytes = stream(sent);
    FrameReader reader = new FrameReader();
    List<Message> received = new ArrayList<>();
    for (byte b : bytes) {
      reader.feed(ByteBuffer.wrap(new byte[] {b}), received::add);
    }
    assertThat(received).isEqualTo(sent);
    assertThat(reader.isMidFrame()).isFalse();
  }

  @Test
  void incrementalReaderFedRandomSplitsYieldsEveryMessage() throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    List<Message> sent = WireSamples.messages();
    byte[] bytes = stream(sent);
    for (int round = 0; round < 50; round++) {
      FrameReader reader = new FrameReader();
      List<Message> received = new ArrayList<>();
      int at = 0;
      while (at < bytes.length) {
        int n = Math.min(bytes.length - at, 1 + random.nextInt(random.nextBoolean() ? 16 : 300_000));
        reader.feed(ByteBuffer.wrap(bytes, at, n), received::add);
        at += n;
      }
      assertThat(received).as("seed %d", seed).isEqualTo(sent);
    }
  }

  @Test
  void streamCutMidFrameIsVisible() throws Exception {
    byte[] frame = FrameWriter.encode(new Message.Ping(1));
    FrameReader reader = new FrameReader();
    List<Message> received = new ArrayList<>();
    reader.feed(ByteBuffer.wrap(frame, 0, frame.length - 1), received::add);
    assertThat(received).isEmpty();
    assertThat(reader.isMidFrame()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(ints = {0x8000_0000, 0x7fff_ffff, 0xffff_ffff, Protocol.MAX_FRAME_BODY + 1, 0})
  void frameLengthOutsideLimitsIsRejectedBeforeAllocation(int lengthField) {
    byte[] header = ByteBuffer.allocate(4).putInt(lengthField).array();
    // Only the four length bytes are fed: the reader must refuse without waiting for (or sizing) a body.
    Throwable thrown = allocationOf(() -> new FrameReader().feed(ByteBuffer.wrap(header), m -> {}));
    assertThat(thrown)
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("frame length field is " + Integer.toUnsignedLong(lengthField))
        .hasMessageContaining("must be 1.." + Protocol.MAX_FRAME_BODY);
    FrameReader reader = new FrameReader();
    assertThatThrownBy(() -> reader.feed(ByteBuffer.wrap(header), m -> {})).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> reader.feed(ByteBuffer.wrap(new byte[1]), m -> {}))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void frameOfExactlyTheLimitIsAccepted() throws Exception {
    // The largest legal length field only starts a frame; the body would follow.
    byte[] header = ByteBuffer.allocate(4).putInt(Protocol.MAX_FRAME_BODY).array();
    FrameReader reader = new FrameReader();
    reader.feed(ByteBuffer.wrap(header), m -> {});
    assertThat(reader.isMidFrame()).isTrue();
  }

  @Test
  void dataFrameDeclaringTooLargeRawLengthIsRejectedBeforeAllocation() {
    byte[] body = FrameBytes.type(FrameType.DATA).u8(1).i32(300_000).raw(new byte[10]).body();
    assertThat(allocationOf(() -> FrameReader.decode(ByteBuffer.wrap(body))))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("DATA frame declares raw length 300000, limit 262144");
  }

  @Test
  void dataFrameDeclaringZeroOrHugeRawLengthIsRejected() {
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.DATA).u8(0).i32(0).buffer()))
        .hasMessage("DATA frame declares raw length 0, limit 262144");
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.DATA).u8(1).i32(-1).raw(new byte[5]).buffer()))
        .hasMessage("DATA frame declares raw length 4294967295, limit 262144");
  }

  @Test
  void rawDataWhoseLengthDisagreesIsRejected() {
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.DATA).u8(0).i32(5).raw(new byte[4]).buffer()))
        .hasMessage("DATA frame declares raw length 5 but carries 4 bytes");
  }

  @Test
  void lz4PayloadInflatingPastDeclaredLengthIsRejected() {
    byte[] bomb = new byte[Protocol.MAX_DATA_CHUNK];
    byte[] compressed = LZ4Factory.safeInstance().fastCompressor().compress(bomb);
    ByteBuffer body = FrameBytes.type(FrameType.DATA).u8(1).i32(1000).raw(compressed).buffer();
    assertThatThrownBy(() -> FrameReader.decode(body))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("inflates past its declared raw length 1000");
  }

  @Test
  void lz4PayloadInflatingShortOfDeclaredLengthIsRejected() {
    byte[] raw = new byte[1000];
    byte[] compressed = LZ4Factory.safeInstance().fastCompressor().compress(raw);
    ByteBuffer body = FrameBytes.type(FrameType.DATA).u8(1).i32(5000).raw(compressed).buffer();
    assertThatThrownBy(() -> FrameReader.decode(body))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("DATA frame declares raw length 5000 but its LZ4 payload inflates to 1000");
  }

  /**
   * One LZ4 block by hand: 20 literals, a 4-byte match {@code offset} bytes back, 12 literals (the
   * format ends with literals). 36 bytes inflated.
   */
  private static byte[] blockWithMatchAt(int offset) {
    FrameBytes b = new FrameBytes().u8(0xF0).u8(20 - 15);
    for (int i = 0; i < 20; i++) {
      b.u8('a' + i);
    }
    b.u8(offset & 0xff).u8(offset >>> 8).u8(0xC0);
    for (int i = 0; i < 12; i++) {
      b.u8('A' + i);
    }
    return b.body();
  }

  /** lz4-java's safe decompressor inflates a match at offset 0 (to whatever the buffer held). */
  @Test
  void lz4MatchAtOffsetZeroIsRejectedAsCorrupt() throws Exception {
    ByteBuffer valid = FrameBytes.type(FrameType.DATA).u8(1).i32(36).raw(blockWithMatchAt(1)).buffer();
    assertThat(new String(((Message.Data) FrameReader.decode(valid)).bytes(), StandardCharsets.US_ASCII))
        .isEqualTo("abcdefghijklmnopqrstttttABCDEFGHIJKL");
    ByteBuffer zero = FrameBytes.type(FrameType.DATA).u8(1).i32(36).raw(blockWithMatchAt(0)).buffer();
    assertThatThrownBy(() -> FrameReader.decode(zero))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("DATA frame LZ4 payload is corrupt: a match at byte 22 has offset 0");
  }

  /** The offset check walks long literal and match runs (length bytes of 255) without a false alarm. */
  @Test
  void lz4BlocksWithLongRunsStillDecode() throws Exception {
    Random random = new Random(42);
    byte[] raw = new byte[Protocol.MAX_DATA_CHUNK];
    for (int at = 0; at < raw.length; ) {
      int run = 1 + random.nextInt(2000);
      byte[] chunk = new byte[Math.min(run, raw.length - at)];
      if (random.nextBoolean()) {
        random.nextBytes(chunk); // literals
      } else {
        Arrays.fill(chunk, (byte) random.nextInt(4)); // a long match
      }
      System.arraycopy(chunk, 0, raw, at, chunk.length);
      at += chunk.length;
    }
    byte[] compressed = LZ4Factory.safeInstance().fastCompressor().compress(raw);
    ByteBuffer body = FrameBytes.type(FrameType.DATA).u8(1).i32(raw.length).raw(compressed).buffer();
    assertThat(((Message.Data) FrameReader.decode(body)).bytes()).isEqualTo(raw);
  }

  @Test
  void malformedLz4IsAProtocolError() {
    byte[] garbage = new byte[64];
    Arrays.fill(garbage, (byte) 0xff);
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.DATA).u8(1).i32(100).raw(garbage).buffer()))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.DATA).u8(1).i32(100).buffer()))
        .hasMessageContaining("carries no bytes");
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.DATA).u8(7).i32(1).raw((byte) 1).buffer()))
        .hasMessage("DATA frame has unknown flags 7");
  }

  @Test
  void stringLengthOverLimitIsRejectedBeforeTheBytesAreRead() {
    // Declares 5000 bytes but carries none: the limit must be the complaint, not truncation.
    ByteBuffer body = FrameBytes.type(FrameType.OP).u8(OpCodec.DELETE).u16(5000).buffer();
    assertThatThrownBy(() -> FrameReader.decode(body))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("OP frame declares path of 5000 bytes, limit 4096");
    ByteBuffer reason = FrameBytes.type(FrameType.PUT_ABORT).u16(20_000).buffer();
    assertThatThrownBy(() -> FrameReader.decode(reason)).hasMessage("PUT_ABORT frame declares reason of 20000 bytes, limit 16384");
  }

  @Test
  void manifestCountOverLimitIsRejectedBeforeAllocation() {
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.MANIFEST_ENTRIES).i32(-1).buffer()))
        .hasMessage("MANIFEST_ENTRIES frame declares entry count 4294967295, limit 2048");
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.MANIFEST_ENTRIES).i32(2049).buffer()))
        .hasMessage("MANIFEST_ENTRIES frame declares entry count 2049, limit 2048");
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.MANIFEST_ENTRIES).i32(2048).buffer()))
        .hasMessage("MANIFEST_ENTRIES frame declares 2048 entries but has only 0 bytes left");
  }

  @Test
  void ackFailureCountOverLimitIsRejected() {
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.ACK).i64(1).i64(0).i32(1001).buffer()))
        .hasMessage("ACK frame declares failure count 1001, limit 1000");
  }

  @Test
  void fileSizeAndZeroRunOutsideRangeAreRejected() {
    ByteBuffer put = FrameBytes.type(FrameType.OP).u8(OpCodec.PUT_FILE).str("a").i64((1L << 50) + 1).meta(0644).buffer();
    assertThatThrownBy(() -> FrameReader.decode(put)).hasMessage("OP frame field 'size' is 1125899906842625, must be 0..1125899906842624");
    ByteBuffer negative = FrameBytes.type(FrameType.OP).u8(OpCodec.PUT_FILE).str("a").i64(-1).meta(0644).buffer();
    assertThatThrownBy(() -> FrameReader.decode(negative)).isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.ZEROS).i64(0).buffer()))
        .hasMessage("ZEROS frame field 'length' is 0, must be 1..1125899906842624");
  }

  @Test
  void copyRangesOutsideTheFileSizeLimitAreRejected() {
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.COPY).i64(-1).i64(10).buffer()))
        .hasMessage("COPY frame field 'offset' is -1, must be 0..1125899906842624");
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.COPY).i64(0).i64(0).buffer()))
        .hasMessage("COPY frame field 'length' is 0, must be 1..1125899906842624");
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.COPY).i64(0).i64(Long.MAX_VALUE).buffer()))
        .isInstanceOf(ProtocolException.class);
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.COPY).i64(0).buffer()))
        .isInstanceOf(ProtocolException.class);
  }

  @Test
  void patchOpWithBasisSizeOutOfRangeIsRejected() {
    ByteBuffer patch = FrameBytes.type(FrameType.OP).u8(OpCodec.PATCH_FILE).str("a").i64(10).meta(0644).i64(7).i64(-1).buffer();
    assertThatThrownBy(() -> FrameReader.decode(patch)).hasMessage("OP frame field 'basis size' is -1, must be 0..1125899906842624");
    ByteBuffer truncated = FrameBytes.type(FrameType.OP).u8(OpCodec.PATCH_FILE).str("a").i64(10).meta(0644).i64(7).buffer();
    assertThatThrownBy(() -> FrameReader.decode(truncated)).isInstanceOf(ProtocolException.class);
    ByteBuffer escaping = FrameBytes.type(FrameType.OP).u8(OpCodec.PATCH_FILE).str("../a").i64(10).meta(0644).i64(7).i64(5).buffer();
    assertThatThrownBy(() -> FrameReader.decode(escaping)).isInstanceOf(org.replicator.core.path.UnsafePathException.class);
  }

  @Test
  void valuesOutsideTheirFieldAreRejected() {
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.BATCH_BEGIN).i64(0).i64(0).i32(1).buffer()))
        .hasMessage("BATCH_BEGIN frame field 'seq' is 0, must be 1..9223372036854775807");
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.OP).u8(OpCodec.MKDIR).str("a").meta(0170000).buffer()))
        .hasMessage("OP frame has mode 0170000 with bits outside 07777");
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.OP).u8(OpCodec.SET_META).str("a").u16(0644).i64(0).i32(-2).i32(0).buffer()))
        .hasMessage("OP frame has uid -2, must be >= -1");
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.HELLO).u16(1).u16(0).str("c").str("a").str("b").i64(0).u8(2).buffer()))
        .hasMessage("HELLO frame field 'replicateOwners' is boolean but holds 2");
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.OP).u8(99).buffer()))
        .hasMessage("OP frame has unknown op code 99");
  }

  @Test
  void unknownFrameTypeIsRejected() {
    assertThatThrownBy(() -> FrameReader.decode(ByteBuffer.wrap(new byte[] {(byte) 0x7f, 1, 2})))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("unknown frame type 0x7f in a frame of 3 bytes");
    assertThatThrownBy(() -> FrameReader.decode(new byte[0])).hasMessage("empty frame: no type byte");
  }

  @Test
  void everyTruncationOfEveryMessageIsRejected() {
    for (Message m : WireSamples.messages()) {
      byte[] frame = FrameWriter.encode(m);
      // Cutting inside a DATA payload is caught as a length mismatch; every other cut as truncation.
      for (int cut = 5; cut < frame.length; cut += Math.max(1, frame.length / 200)) {
        ByteBuffer body = ByteBuffer.wrap(frame, 4, cut - 4);
        assertThatThrownBy(() -> FrameReader.decode(body)).as("%s cut at %d", m.type(), cut).isInstanceOf(ProtocolException.class);
      }
    }
  }

  @Test
  void truncatedFrameNamesTheFieldAndTheShortfall() {
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.BATCH_END).i32(1).buffer()))
        .hasMessage("BATCH_END frame is truncated: field 'seq' needs 8 bytes, 4 remain");
  }

  @Test
  void trailingBytesAfterThePayloadAreRejected() {
    for (Message m : WireSamples.messages()) {
      if (m instanceof Message.Data) {
        continue; // a DATA payload runs to the end of the frame: extra bytes are a length mismatch, tested above
      }
      byte[] frame = FrameWriter.encode(m);
      ByteBuffer body = ByteBuffer.allocate(frame.length - 4 + 1).put(frame, 4, frame.length - 4).put((byte) 0).flip();
      assertThatThrownBy(() -> FrameReader.decode(body))
          .as("%s", m.type())
          .isInstanceOf(ProtocolException.class)
          .hasMessageEndingWith("has 1 trailing bytes after its payload");
    }
  }

  @Test
  void invalidUtf8IsRejectedNotReplaced() {
    byte[][] bad = {
      {(byte) 0xff}, {(byte) 0xc0, (byte) 0xaf}, {(byte) 0xe0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
      {'a', (byte) 0x80}
    };
    for (byte[] utf8 : bad) {
      ByteBuffer body = FrameBytes.type(FrameType.PUT_ABORT).str(utf8).buffer();
      assertThatThrownBy(() -> FrameReader.decode(body))
          .isInstanceOf(ProtocolException.class)
          .hasMessage("PUT_ABORT frame: field 'reason' is not valid UTF-8");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"..", "../etc/passwd", "a/../../b", "/etc/passwd", "a\0b", "", ".replicator/x", ".replicator", "a//b", "a/", "./a"})
  void hostilePathsAreRejectedAsUnsafe(String path) {
    ByteBuffer delete = FrameBytes.type(FrameType.OP).u8(OpCodec.DELETE).str(path).buffer();
    assertThatThrownBy(() -> FrameReader.decode(delete)).isInstanceOf(UnsafePathException.class);
    ByteBuffer moveFrom = FrameBytes.type(FrameType.OP).u8(OpCodec.MOVE).str(path).str("ok").buffer();
    assertThatThrownBy(() -> FrameReader.decode(moveFrom)).isInstanceOf(UnsafePathException.class);
    ByteBuffer hardlink = FrameBytes.type(FrameType.OP).u8(OpCodec.HARDLINK).str("ok").str(path).buffer();
    assertThatThrownBy(() -> FrameReader.decode(hardlink)).isInstanceOf(UnsafePathException.class);
    byte[] manifest = FrameWriter.encode(new Message.ManifestEntries(List.of(WireSamples.file("PLACEHOLDER"))));
    assertThatThrownBy(() -> FrameReader.decode(replacePath(manifest, path))).isInstanceOf(UnsafePathException.class);
  }

  @Test
  void overLongAndTooDeepPathsAreRejected() {
    String deep = "a/".repeat(300) + "a";
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.OP).u8(OpCodec.DELETE).str(deep).buffer()))
        .isInstanceOf(UnsafePathException.class)
        .hasMessageContaining("deeper than 256");
    String longComponent = "x".repeat(300);
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.OP).u8(OpCodec.DELETE).str(longComponent).buffer()))
        .isInstanceOf(UnsafePathException.class);
    assertThatThrownBy(() -> FrameReader.decode(FrameBytes.type(FrameType.OP).u8(OpCodec.DELETE).str("x".repeat(4097)).buffer()))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("OP frame declares path of 4097 bytes, limit 4096");
  }

  @Test
  void ackFailurePathIsEmptyOrSafe() throws Exception {
    ByteBuffer ok = FrameBytes.type(FrameType.ACK).i64(1).i64(0).i32(1).str("").str("batch-wide").buffer();
    assertThat(((Message.Ack) FrameReader.decode(ok)).failures()).hasSize(1);
    ByteBuffer bad = FrameBytes.type(FrameType.ACK).i64(1).i64(0).i32(1).str("../x").str("r").buffer();
    assertThatThrownBy(() -> FrameReader.decode(bad)).isInstanceOf(UnsafePathException.class);
  }

  @Test
  void symlinkTargetsTravelVerbatimButNeverEmptyOrWithNul() throws Exception {
    ByteBuffer absolute = FrameBytes.type(FrameType.OP).u8(OpCodec.SYMLINK).str("l").str("/../../etc").meta(0777).buffer();
    assertThat(FrameReader.decode(absolute)).isEqualTo(new Message.OpMessage(
        new org.replicator.core.op.Op.Symlink("l", "/../../etc", new org.replicator.core.op.Meta(0777, 1, -1, -1))));
    ByteBuffer empty = FrameBytes.type(FrameType.OP).u8(OpCodec.SYMLINK).str("l").str("").meta(0777).buffer();
    assertThatThrownBy(() -> FrameReader.decode(empty)).hasMessage("OP frame has an empty symlink target for 'l'");
    ByteBuffer nul = FrameBytes.type(FrameType.OP).u8(OpCodec.SYMLINK).str("l").str("a\0b").meta(0777).buffer();
    assertThatThrownBy(() -> FrameReader.decode(nul)).hasMessage("OP frame has a NUL byte in target 'a\\x00b'");
  }

  @Test
  void manifestLinkTargetOnlyForSymlinks() {
    byte[] fileWithTarget = FrameWriter.encode(new Message.ManifestEntries(List.of(WireSamples.symlink("s", "t"))));
    fileWithTarget[4 + 1 + 4 + 2 + 1] = 0; // type byte after the one-byte path "s": FILE
    assertThatThrownBy(() -> FrameReader.decode(ByteBuffer.wrap(fileWithTarget, 4, fileWithTarget.length - 4)))
        .hasMessage("MANIFEST_ENTRIES frame has FILE 's' with a link target");
    byte[] unknownType = fileWithTarget.clone();
    unknownType[4 + 1 + 4 + 2 + 1] = 9;
    assertThatThrownBy(() -> FrameReader.decode(ByteBuffer.wrap(unknownType, 4, unknownType.length - 4)))
        .hasMessage("MANIFEST_ENTRIES frame has unknown entry type 9 for 's'");
  }

  @Test
  void throwingSinkLeavesReaderUsable() throws Exception {
    FrameReader reader = new FrameReader();
    byte[] two = stream(List.of(new Message.Ping(1), new Message.Ping(2)));
    ByteBuffer chunk = ByteBuffer.wrap(two);
    assertThatThrownBy(() -> reader.feed(chunk, m -> { throw new IllegalStateException("sink"); }))
        .hasMessage("sink");
    List<Message> rest = new ArrayList<>();
    reader.feed(chunk, rest::add);
    assertThat(rest).containsExactly(new Message.Ping(2));
  }

  /** The MANIFEST_ENTRIES frame body with its single entry's path "PLACEHOLDER" replaced. */
  private static ByteBuffer replacePath(byte[] frame, String path) {
    byte[] utf8 = path.getBytes(StandardCharsets.UTF_8);
    int pathAt = 4 + 1 + 4; // length field, type, count
    int oldLength = ((frame[pathAt] & 0xff) << 8) | (frame[pathAt + 1] & 0xff);
    ByteBuffer body = ByteBuffer.allocate(frame.length - 4 - oldLength + utf8.length);
    body.put(frame, 4, 1 + 4).putShort((short) utf8.length).put(utf8);
    int rest = pathAt + 2 + oldLength;
    body.put(frame, rest, frame.length - rest);
    return body.flip();
  }

  interface Decoding {
    void run() throws Exception;
  }

  /**
   * Runs {@code decoding}, expects it to throw, and checks that this thread allocated far less
   * than the size the hostile frame declared (a warm-up run first so class loading does not count).
   */
  private static Throwable allocationOf(Decoding decoding) {
    catching(decoding);
    long before = allocatedBytes();
    Throwable thrown = catching(decoding);
    assertThat(allocatedBytes() - before).as("bytes allocated while rejecting").isLessThan(64 * 1024);
    return thrown;
  }

  private static Throwable catching(Decoding decoding) {
    try {
      decoding.run();
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("expected the frame to be rejected");
  }

  private static long allocatedBytes() {
    var bean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    return bean.getCurrentThreadAllocatedBytes();
  }
}
