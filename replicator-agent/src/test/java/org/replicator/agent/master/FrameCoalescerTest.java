package org.replicator.agent.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.core.wire.FrameWriter;
import org.replicator.core.wire.Message;

class FrameCoalescerTest {
  /** What a small file is on the wire, op frame aside: its data and its end. */
  private static List<Message> smallFiles(int count) {
    List<Message> frames = new ArrayList<>();
    frames.add(new Message.BatchBegin(7, 1_000, count));
    for (int i = 0; i < count; i++) {
      byte[] content = new byte[700 + i % 300];
      Arrays.fill(content, (byte) i);
      frames.add(new Message.Data(content));
      frames.add(new Message.PutEnd(i));
    }
    frames.add(new Message.BatchEnd(7));
    return frames;
  }

  private static byte[] expectedBytes(List<Message> frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    frames.forEach(m -> out.writeBytes(FrameWriter.encode(m)));
    return out.toByteArray();
  }

  /** Every write that reached the channel, in order. */
  private static List<ByteBuf> writes(EmbeddedChannel ch) {
    List<ByteBuf> writes = new ArrayList<>();
    ByteBuf b;
    while ((b = ch.readOutbound()) != null) {
      writes.add(b);
    }
    return writes;
  }

  private static byte[] concat(List<ByteBuf> writes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuf b : writes) {
      byte[] bytes = new byte[b.readableBytes()];
      b.readBytes(bytes);
      out.writeBytes(bytes);
      b.release();
    }
    return out.toByteArray();
  }

  @Test
  void aThousandSmallFilesGoOutAsAFewWritesWithTheSameBytesInTheSameOrder() {
    EmbeddedChannel ch = new EmbeddedChannel();
    FrameCoalescer frames = new FrameCoalescer();
    List<Message> batch = smallFiles(1_000);
    for (Message m : batch) {
      frames.add(ch, FrameWriter.encodeBuffer(m));
      assertThat(frames.pendingBytes()).isLessThanOrEqualTo(FrameCoalescer.CAPACITY);
    }
    frames.emit(ch);
    ch.flush();

    List<ByteBuf> writes = writes(ch);
    byte[] expected = expectedBytes(batch);
    // ~870 KB: one write per 64 KiB gathered, not one per frame (2,002 frames).
    assertThat(writes).hasSizeBetween(expected.length / FrameCoalescer.CAPACITY, expected.length / FrameCoalescer.CAPACITY + 2);
    assertThat(writes).allSatisfy(w -> assertThat(w.readableBytes()).isLessThanOrEqualTo(FrameCoalescer.CAPACITY));
    assertThat(concat(writes)).isEqualTo(expected);
    assertThat(frames.pendingBytes()).isZero();
  }

  @Test
  void aLargeFrameGoesOutOnItsOwnWithoutACopyAfterWhatWasGatheredBeforeIt() {
    EmbeddedChannel ch = new EmbeddedChannel();
    FrameCoalescer frames = new FrameCoalescer();
    Message before = new Message.PutEnd(1);
    byte[] incompressible = new byte[256 * 1024];
    new java.util.Random(16).nextBytes(incompressible);
    Message large = new Message.Data(incompressible);
    Message after = new Message.PutEnd(2);
    ByteBuffer largeFrame = FrameWriter.encodeBuffer(large);

    frames.add(ch, FrameWriter.encodeBuffer(before));
    frames.add(ch, largeFrame);
    frames.add(ch, FrameWriter.encodeBuffer(after));
    frames.emit(ch);
    ch.flush();

    List<ByteBuf> writes = writes(ch);
    assertThat(writes).hasSize(3);
    assertThat(writes.get(1).array()).isSameAs(largeFrame.array());
    assertThat(concat(writes)).isEqualTo(expectedBytes(List.of(before, large, after)));
  }

  @Test
  void nothingIsWrittenUntilEmitAndDiscardedFramesNeverAre() {
    EmbeddedChannel ch = new EmbeddedChannel();
    FrameCoalescer frames = new FrameCoalescer();
    frames.add(ch, FrameWriter.encodeBuffer(new Message.PutEnd(1)));
    ch.flush();
    assertThat(writes(ch)).isEmpty();

    frames.discard(); // the connection failed mid-batch: its frames must not open the next one
    Message next = new Message.BatchBegin(8, 1_000, 0);
    frames.add(ch, FrameWriter.encodeBuffer(next));
    frames.emit(ch);
    frames.emit(ch); // nothing left: no empty write
    ch.flush();
    assertThat(concat(writes(ch))).isEqualTo(expectedBytes(List.of(next)));
  }
}
