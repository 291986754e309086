package org.replicator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.replicator.core.index.Entry;
import org.replicator.core.wire.Message.Ack;

class FrameRoundTripTest {

  @Test
  void everyMessageSurvivesEncodeAndDecode() throws Exception {
    for (Message m : WireSamples.messages()) {
      byte[] frame = FrameWriter.encode(m);
      int length = ByteBuffer.wrap(frame).getInt();
      assertThat(length).as("length field of %s", m.type()).isEqualTo(frame.length - 4);
      assertThat(frame[4] & 0xff).isEqualTo(m.type().code());
      assertThat(FrameReader.decode(ByteBuffer.wrap(frame, 4, frame.length - 4))).isEqualTo(m);
    }
  }

  @Test
  void decodesFromDirectBuffersAndSlicesWithAnArrayOffset() throws Exception {
    // Netty hands over pooled buffers: direct ones, or heap slices whose array does not start at 0.
    for (Message m : WireSamples.messages()) {
      byte[] frame = FrameWriter.encode(m);
      ByteBuffer direct = ByteBuffer.allocateDirect(frame.length + 3);
      direct.position(3);
      direct.put(frame, 4, frame.length - 4).flip().position(3);
      assertThat(FrameReader.decode(direct)).isEqualTo(m);
      byte[] padded = new byte[frame.length + 7];
      System.arraycopy(frame, 0, padded, 7, frame.length);
      ByteBuffer slice = ByteBuffer.wrap(padded, 11, frame.length - 4).slice();
      assertThat(slice.arrayOffset()).isEqualTo(11);
      assertThat(FrameReader.decode(slice)).isEqualTo(m);
    }
  }

  @Test
  void everyFrameTypeIsCoveredBySamples() {
    assertThat(WireSamples.messages().stream().map(Message::type).distinct())
        .containsExactlyInAnyOrder(FrameType.values());
  }

  @Test
  void decodeConsumesTheWholeFrameBody() throws Exception {
    ByteBuffer body = ByteBuffer.wrap(FrameWriter.encode(new Message.BatchEnd(5)));
    body.position(4);
    FrameReader.decode(body);
    assertThat(body.hasRemaining()).isFalse();
  }

  @Test
  void encodeToWritesTheSameBytesAsEncode() {
    for (Message m : WireSamples.messages()) {
      ByteBuffer out = ByteBuffer.allocate(Protocol.MAX_FRAME);
      int n = FrameWriter.encodeTo(m, out);
      assertThat(Arrays.copyOf(out.array(), n)).isEqualTo(FrameWriter.encode(m));
      assertThat(out.position()).isEqualTo(n);
    }
  }

  /** The sender writes this buffer as is: it must hold exactly the frame, whatever array is behind it. */
  @Test
  void encodeBufferHoldsExactlyTheBytesOfEncode() {
    List<Message> all = new ArrayList<>(WireSamples.messages());
    byte[] noise = new byte[Protocol.MAX_DATA_CHUNK];
    new Random(3).nextBytes(noise);
    all.add(new Message.Data(noise)); // raw: the array is sized for LZ4's worst case, longer than the frame
    for (Message m : all) {
      ByteBuffer frame = FrameWriter.encodeBuffer(m);
      byte[] bytes = new byte[frame.remaining()];
      frame.duplicate().get(bytes);
      assertThat(frame.position()).isZero();
      assertThat(bytes).as("%s", m.type()).isEqualTo(FrameWriter.encode(m));
    }
  }

  @Test
  void encodeToWithTooLittleRoomLeavesTheBufferUnchanged() {
    ByteBuffer out = ByteBuffer.allocate(10);
    out.put((byte) 1);
    assertThatThrownBy(() -> FrameWriter.encodeTo(new Message.Hello(1, 0, "prod", "web1", "web2", 0, true), out))
        .isInstanceOf(BufferOverflowException.class);
    assertThat(out.position()).isEqualTo(1);
  }

  @Test
  void compressibleDataTravelsAsLz4AndRandomDataTravelsRaw() {
    byte[] text = new byte[100_000];
    Arrays.fill(text, (byte) 'a');
    byte[] noise = new byte[100_000];
    new Random(1).nextBytes(noise);
    byte[] small = FrameWriter.encode(new Message.Data(text));
    byte[] big = FrameWriter.encode(new Message.Data(noise));
    assertThat(small[5]).as("flags").isEqualTo((byte) DataCodec.FLAG_LZ4);
    assertThat(small.length).isLessThan(2_000);
    assertThat(big[5]).as("flags").isEqualTo((byte) DataCodec.FLAG_RAW);
    assertThat(big.length).isEqualTo(4 + 1 + 1 + 4 + noise.length);
  }

  @Test
  void fullDataChunkOfIncompressibleBytesFitsInAFrame() {
    byte[] noise = new byte[Protocol.MAX_DATA_CHUNK];
    new Random(2).nextBytes(noise);
    assertThat(FrameWriter.encode(new Message.Data(noise)).length).isLessThanOrEqualTo(Protocol.MAX_FRAME);
  }

  @Test
  void writerRefusesAStringTheReaderWouldReject() {
    String longName = "x".repeat(Protocol.MAX_STRING + 1);
    assertThatThrownBy(() -> FrameWriter.encode(new Message.Hello(1, 0, longName, "a", "b", 0, false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cluster is 4097 bytes of UTF-8, limit 4096");
  }

  @Test
  void writerRefusesAFrameOverTheLimit() {
    List<Message.Failure> failures = new ArrayList<>();
    for (int i = 0; i < Protocol.MAX_FAILURES; i++) {
      failures.add(new Message.Failure("p/" + i, "r".repeat(2000)));
    }
    assertThatThrownBy(() -> FrameWriter.encode(new Ack(1, 0, failures)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ACK frame would be")
        .hasMessageContaining("limit " + Protocol.MAX_FRAME);
  }

  @Test
  void fitAckKeepsEveryFailureWhenTheyFit() {
    List<Message.Failure> few = List.of(new Message.Failure("a", "x"), new Message.Failure("", "y"));
    assertThat(FrameWriter.fitAck(3, 4, few)).isEqualTo(new Ack(3, 4, few));
  }

  @Test
  void fitAckAlwaysFitsAFrameAndSaysHowManyItLeftOut() throws Exception {
    String path = ("p".repeat(200) + "/").repeat(20) + "f";
    List<Message.Failure> many = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      many.add(new Message.Failure(path, "é".repeat(20_000)));
    }
    Ack ack = FrameWriter.fitAck(9, 1, many);
    byte[] frame = FrameWriter.encode(ack);
    assertThat(frame.length).isLessThanOrEqualTo(Protocol.MAX_FRAME);
    assertThat(ack.failures().get(0).reason().getBytes(java.nio.charset.StandardCharsets.UTF_8)).hasSize(Protocol.MAX_TEXT);
    Message.Failure last = ack.failures().get(ack.failures().size() - 1);
    assertThat(last).isEqualTo(new Message.Failure("", (3000 - ack.failures().size() + 1) + " more failures not listed"));
    assertThat(FrameReader.decode(ByteBuffer.wrap(frame, 4, frame.length - 4))).isEqualTo(ack);

    List<Message.Failure> overCount = new ArrayList<>();
    for (int i = 0; i < 1500; i++) {
      overCount.add(new Message.Failure("f" + i, "x"));
    }
    Ack capped = FrameWriter.fitAck(9, 1, overCount);
    assertThat(capped.failures()).hasSize(Protocol.MAX_FAILURES);
    assertThat(capped.failures().get(Protocol.MAX_FAILURES - 1).reason()).isEqualTo("501 more failures not listed");
  }

  @Test
  void manifestSplitsByEntryCountAndByFrameSize() throws Exception {
    List<Entry> many = IntStream.range(0, 5000).mapToObj(i -> WireSamples.file("f" + i)).toList();
    List<Message.ManifestEntries> byCount = FrameWriter.splitManifest(many);
    assertThat(byCount).extracting(e -> e.entries().size()).containsExactly(2048, 2048, 904);

    String deep = "d".repeat(250) + "/" + "e".repeat(250) + "/";
    List<Entry> fat = IntStream.range(0, 600)
        .mapToObj(i -> WireSamples.symlink((deep.repeat(8) + i), "t".repeat(4000)))
        .toList();
    List<Message.ManifestEntries> bySize = FrameWriter.splitManifest(fat);
    assertThat(bySize.size()).isGreaterThan(1);
    List<Entry> back = new ArrayList<>();
    for (Message.ManifestEntries part : bySize) {
      byte[] frame = FrameWriter.encode(part);
      assertThat(frame.length).isLessThanOrEqualTo(Protocol.MAX_FRAME);
      back.addAll(((Message.ManifestEntries) FrameReader.decode(ByteBuffer.wrap(frame, 4, frame.length - 4))).entries());
    }
    assertThat(back).isEqualTo(fat);
  }

  @Test
  void dataToStringNeverShowsContent() {
    assertThat(new Message.Data("secret".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .hasToString("Data[length=6]");
  }

  @Test
  void recordsRefuseValuesNoPeerMaySend() {
    assertThatThrownBy(() -> new Message.BatchBegin(0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Message.BatchEnd(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Message.Data(new byte[0])).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Message.Data(new byte[Protocol.MAX_DATA_CHUNK + 1]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Message.Zeros(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Message.Zeros(Protocol.MAX_FILE_SIZE + 1)).isInstanceOf(IllegalArgumentException.class);
  }
}
