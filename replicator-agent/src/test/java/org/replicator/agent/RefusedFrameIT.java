package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.wire.ErrorCode;
import org.replicator.core.wire.FrameWriter;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;

/**
 * What a refused frame does to its batch and what the slave says about it, against a real slave
 * by a scripted master holding the cluster master's real certificate (a buggy or compromised
 * master). Once a frame of a batch is refused, nothing more of that batch is applied, no temp file
 * of it stays, and the batch is never recorded as applied: the next HELLO_REPLY still reports the
 * batch before it. The ERROR frame carries the code docs/protocol.md gives for the failure.
 *
 * <p>The bad frame and the frames after it go out in one write, so that the slave reads them
 * together (one socket read): the frames behind the refused one are decoded before the connection
 * closes, which is what let them be applied.
 */
class RefusedFrameIT extends SlaveUnderAttack {
  private static final Meta DIR = new Meta(0755, 0, -1, -1);
  private static final Meta FILE = new Meta(0644, 0, -1, -1);

  RefusedFrameIT() {
    super("untouched");
  }

  @Test
  void putToAnUnsafePathFailsItsWholeBatchWithUnsafePath() throws Exception {
    try (ScriptedMaster peer = greetedAfterOneGoodBatch()) {
      peer.sendRaw(concat(
          frame(new Message.BatchBegin(2, 0, 2)),
          putFrame("../outside/x", 1),
          frame(new Message.OpMessage(new Op.Mkdir("after-error", DIR))),
          frame(new Message.BatchEnd(2))));
      assertRefusedWith(peer, ErrorCode.UNSAFE_PATH, "unsafe path '../outside/x'");
    }
    assertThat(lastAppliedSeenByTheNextMaster()).as("batch 2 is not recorded as applied").isEqualTo(1);
    assertThat(slaveRoot.resolve("after-error")).doesNotExist();
    assertThat(outside.resolve("x")).doesNotExist();
  }

  /** A frame that does not decode: the file being written is dropped with its temp file. */
  @Test
  void malformedFrameFailsItsBatchAndRemovesTheOpenFilesTempFile() throws Exception {
    try (ScriptedMaster peer = greetedAfterOneGoodBatch()) {
      peer.sendRaw(concat(
          frame(new Message.BatchBegin(2, 0, 3)),
          frame(new Message.OpMessage(new Op.Mkdir("before-error", DIR))),
          frame(new Message.OpMessage(new Op.PutFile("partial.bin", 10, FILE))),
          frame(new Message.Data("12345".getBytes(StandardCharsets.UTF_8))),
          body(0x12, 7, 0, 0, 0, 1, 1), // DATA with unknown flags 7
          frame(new Message.Data("67890".getBytes(StandardCharsets.UTF_8))),
          frame(new Message.PutEnd(ContentHasher.of("1234567890".getBytes(StandardCharsets.UTF_8)))),
          frame(new Message.OpMessage(new Op.Mkdir("after-error", DIR))),
          frame(new Message.BatchEnd(2))));
      assertRefusedWith(peer, ErrorCode.PROTOCOL, "DATA frame has unknown flags 7");
    }
    assertThat(lastAppliedSeenByTheNextMaster()).isEqualTo(1);
    assertThat(slaveRoot.resolve("partial.bin")).doesNotExist();
    assertThat(slaveRoot.resolve("after-error")).doesNotExist();
    assertThat(cluster.leftoverTempFiles()).as("the open file's temp file").isEmpty();
    // Ops before the refused frame may stay applied (each whole): the master sends the batch again.
  }

  /**
   * A well-formed frame out of order, found by the apply loop rather than the decoder: nothing the
   * connection sent after it is applied, not even a whole batch (it was read before the close).
   */
  @Test
  void dataWithoutAnOpenPutStopsEverythingAfterIt() throws Exception {
    try (ScriptedMaster peer = greetedAfterOneGoodBatch()) {
      peer.sendRaw(concat(
          frame(new Message.BatchBegin(2, 0, 1)),
          frame(new Message.Data(new byte[] {1, 2, 3})),
          frame(new Message.OpMessage(new Op.Mkdir("after-error", DIR))),
          frame(new Message.BatchEnd(2)),
          frame(new Message.BatchBegin(3, 0, 1)),
          frame(new Message.OpMessage(new Op.Mkdir("next-batch", DIR))),
          frame(new Message.BatchEnd(3))));
      assertRefusedWith(peer, ErrorCode.PROTOCOL, "DATA without an open PUT");
    }
    assertThat(lastAppliedSeenByTheNextMaster()).isEqualTo(1);
    assertThat(slaveRoot.resolve("after-error")).doesNotExist();
    assertThat(slaveRoot.resolve("next-batch")).doesNotExist();
  }

  /** lz4-java inflates a match at offset 0; the decoder refuses it as corrupt. */
  @Test
  void lz4MatchAtOffsetZeroIsRefusedAsCorruptData() throws Exception {
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    block.write(0xF0);
    block.write(5); // 20 literals
    for (int i = 0; i < 20; i++) {
      block.write('a' + i);
    }
    block.write(0); // match offset 0 (little endian), 4 bytes
    block.write(0);
    block.write(0xC0); // 12 closing literals
    for (int i = 0; i < 12; i++) {
      block.write('A' + i);
    }
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(data);
    out.writeByte(0x12);
    out.writeByte(1); // LZ4
    out.writeInt(36);
    out.write(block.toByteArray());
    try (ScriptedMaster peer = greetedAfterOneGoodBatch()) {
      peer.sendRaw(concat(
          frame(new Message.BatchBegin(2, 0, 1)),
          frame(new Message.OpMessage(new Op.PutFile("lz4.txt", 36, FILE))),
          withLength(data.toByteArray()),
          frame(new Message.PutEnd(0)),
          frame(new Message.BatchEnd(2))));
      assertRefusedWith(peer, ErrorCode.PROTOCOL, "LZ4 payload is corrupt: a match at byte 22 has offset 0");
    }
    assertThat(lastAppliedSeenByTheNextMaster()).isEqualTo(1);
    assertThat(slaveRoot.resolve("lz4.txt")).doesNotExist();
  }

  @Test
  void helloForAnotherNodeIsRefusedWithWrongNode() throws Exception {
    assertHelloRefusedWith(hello(cluster.config().master().name(), "slave9"), ErrorCode.WRONG_NODE, "not 'slave9'");
  }

  @Test
  void helloFromANodeThatIsNotTheMasterIsRefusedWithNotAMaster() throws Exception {
    assertHelloRefusedWith(hello("slave9", slave.name()), ErrorCode.NOT_A_MASTER, "is not the master");
  }

  /**
   * A huge length field from an authenticated TLS peer is a broken master, not a TLS peer at a
   * plain-TCP slave: no such hint (PlainTransportIT checks the hint where it applies).
   */
  @Test
  void hugeFirstFrameOverTlsIsNotBlamedOnTheTransport() throws Exception {
    try (RecordingAppender log = new RecordingAppender("org.replicator.agent.slave.SlaveReceiverHandler");
        ScriptedMaster peer = new ScriptedMaster(cluster, slave)) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      new DataOutputStream(b).writeInt(Integer.MAX_VALUE);
      peer.sendRaw(b.toByteArray());
      assertRefusedWith(peer, ErrorCode.PROTOCOL, "over the limit of " + Protocol.MAX_FRAME + " bytes");
      assertThat(log.containing("closing connection", "over the limit")).hasSize(1);
      assertThat(log.lines()).noneMatch(l -> l.contains("plain-TCP") || l.contains("Exception"));
    }
  }

  /**
   * An mtime before 1970 with a sub-second part (and the far end of the range) cannot be set as
   * sent: put, mkdir and SET_META all apply the same rounded time, none fails.
   */
  @Test
  void extremeMtimeIsAppliedAlikeByPutMkdirAndSetMeta() throws Exception {
    Files.writeString(slaveRoot.resolve("index.php"), "<?php");
    long seq = 0;
    for (long mtime : new long[] {-1_500_000_000L, Long.MIN_VALUE}) {
      Meta file = new Meta(0644, mtime, -1, -1);
      seq++;
      try (ScriptedMaster peer = ScriptedMaster.greeted(cluster, slave)) {
        peer.send(new Message.BatchBegin(seq, 0, 4));
        peer.send(new Message.OpMessage(new Op.PutFile("put.txt", 0, file)));
        peer.send(new Message.PutEnd(ContentHasher.of(new byte[0])));
        peer.send(new Message.OpMessage(new Op.Mkdir("dir", new Meta(0755, mtime, -1, -1))));
        peer.send(new Message.OpMessage(new Op.SetMeta("index.php", file)));
        peer.send(new Message.BatchEnd(seq));
        Message.Ack ack = (Message.Ack) peer.receiveSkippingPings();
        assertThat(ack.failures()).as("mtime %d", mtime).isEmpty();
      }
      long put = mtime("put.txt");
      assertThat(mtime("dir")).as("mtime %d", mtime).isEqualTo(put);
      assertThat(mtime("index.php")).as("mtime %d", mtime).isEqualTo(put);
    }
    assertThat(mtime("put.txt")).isLessThan(0); // before 1970, as sent: not the epoch
  }

  // ---- helpers -------------------------------------------------------------------------------

  private long mtime(String rel) throws IOException {
    return Files.getLastModifiedTime(slaveRoot.resolve(rel), LinkOption.NOFOLLOW_LINKS).to(TimeUnit.NANOSECONDS);
  }

  /** Connected and greeted, with batch 1 (a directory) applied and acknowledged. */
  private ScriptedMaster greetedAfterOneGoodBatch() throws Exception {
    Files.writeString(slaveRoot.resolve("index.php"), "<?php");
    ScriptedMaster peer = ScriptedMaster.greeted(cluster, slave);
    peer.send(new Message.BatchBegin(1, 0, 1));
    peer.send(new Message.OpMessage(new Op.Mkdir("good", DIR)));
    peer.send(new Message.BatchEnd(1));
    Message.Ack ack = (Message.Ack) peer.receiveSkippingPings();
    assertThat(ack.seq()).isEqualTo(1);
    assertThat(ack.failures()).isEmpty();
    return peer;
  }

  /** The slave's ERROR frame has {@code code} and a message without class names, then it closes. */
  private static void assertRefusedWith(ScriptedMaster peer, ErrorCode code, String messagePart) throws Exception {
    Message reply = peer.receiveSkippingPings();
    assertThat(reply).isInstanceOf(Message.ErrorMessage.class);
    Message.ErrorMessage error = (Message.ErrorMessage) reply;
    assertThat(error.errorCode()).as(error.message()).contains(code);
    assertThat(error.message()).contains(messagePart).doesNotContain("Exception").doesNotContain("org.replicator");
    assertThat(peer.closedByPeer()).isTrue();
  }

  private void assertHelloRefusedWith(Message.Hello hello, ErrorCode code, String reasonPart) throws Exception {
    try (ScriptedMaster peer = new ScriptedMaster(cluster, slave)) {
      peer.send(hello);
      Message.HelloReply reply = (Message.HelloReply) peer.receive();
      assertThat(reply.accepted()).isFalse();
      assertThat(reply.reason()).contains(reasonPart);
      assertRefusedWith(peer, code, reasonPart);
    }
  }

  private Message.Hello hello(String from, String to) {
    return new Message.Hello(Protocol.MAJOR, Protocol.MINOR, cluster.config().cluster(), from, to, cluster.config().replicationHash(), false, 0);
  }

  /**
   * What a master connecting next is told: the last batch the slave recorded as applied. The
   * slave's apply loop answers HELLO after everything queued before it, so this also waits until
   * the refused connection's frames were dealt with.
   */
  private long lastAppliedSeenByTheNextMaster() throws Exception {
    try (ScriptedMaster next = new ScriptedMaster(cluster, slave)) {
      next.send(hello(cluster.config().master().name(), slave.name()));
      Message.HelloReply reply = (Message.HelloReply) next.receive();
      assertThat(reply.accepted()).as(reply.reason()).isTrue();
      return reply.lastAppliedSeq();
    }
  }

  private static byte[] frame(Message m) {
    return FrameWriter.encode(m);
  }

  /** An OP PUT_FILE with an arbitrary path, hand-built: our own writer refuses an unsafe one. */
  private static byte[] putFrame(String path, long size) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(body);
    out.writeByte(0x11);
    out.writeByte(2);
    byte[] p = path.getBytes(StandardCharsets.UTF_8);
    out.writeShort(p.length);
    out.write(p);
    out.writeLong(size);
    out.writeShort(0644);
    out.writeLong(0);
    out.writeInt(-1);
    out.writeInt(-1);
    return withLength(body.toByteArray());
  }

  /** A frame of the given body bytes (type first). */
  private static byte[] body(int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return withLength(b);
  }

  private static byte[] withLength(byte[] body) {
    return java.nio.ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
  }

  private static byte[] concat(byte[]... frames) {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (byte[] f : frames) {
      all.writeBytes(f);
    }
    return all.toByteArray();
  }
}
