package org.replicator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The epoch field of HELLO and HELLO_REPLY: present from minor 2 on, absent before, never negative. */
class HelloEpochTest {
  @Test
  void aHelloBeforeEpochsKeepsItsOldLayout() throws ProtocolException {
    byte[] old = FrameWriter.encode(new Message.Hello(1, 1, "prod", "web1", "web2", 7, true));
    byte[] now = FrameWriter.encode(new Message.Hello(1, 2, "prod", "web1", "web2", 7, true, 3));
    assertThat(now.length - old.length).as("the epoch is one i64 more").isEqualTo(8);
    Message.Hello decoded = (Message.Hello) FrameReader.decode(body(old));
    assertThat(decoded.epoch()).isEqualTo(Message.NO_EPOCH);
    assertThat(((Message.Hello) FrameReader.decode(body(now))).epoch()).isEqualTo(3);
  }

  @Test
  void aReplyCarriesTheSlavesEpochAndMaster() throws ProtocolException {
    Message.HelloReply r = new Message.HelloReply(1, 2, "web3", 0, 0, 0, false, "superseded", 4, "web2");
    assertThat(FrameReader.decode(body(FrameWriter.encode(r)))).isEqualTo(r);
    assertThat(FrameLog.describe(r)).contains("epoch=4 master=\"web2\"");
  }

  @Test
  void aNegativeEpochOnTheWireIsAProtocolError() {
    byte[] frame = FrameWriter.encode(new Message.Hello(1, 2, "prod", "web1", "web2", 7, true, 0));
    Arrays.fill(frame, frame.length - 8, frame.length, (byte) 0xff); // epoch = -1
    assertThatThrownBy(() -> FrameReader.decode(body(frame))).isInstanceOf(ProtocolException.class).hasMessageContaining("epoch");
  }

  @Test
  void aRecordRefusesAnEpochItsVersionCannotCarry() {
    assertThatThrownBy(() -> new Message.Hello(1, 1, "prod", "web1", "web2", 7, true, 3)).hasMessageContaining("no epoch field");
    assertThatThrownBy(() -> new Message.Hello(1, 2, "prod", "web1", "web2", 7, true, Message.NO_EPOCH)).hasMessageContaining("0 or more");
  }

  /** The frame without its length field, as the framer hands it over. */
  private static ByteBuffer body(byte[] frame) {
    return ByteBuffer.wrap(frame, Protocol.LENGTH_FIELD_BYTES, frame.length - Protocol.LENGTH_FIELD_BYTES).slice();
  }
}
