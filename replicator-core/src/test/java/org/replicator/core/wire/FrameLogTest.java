package org.replicator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.wire.Message.Ack;

/** Pins the frame log text: operators grep for it, so a change here is a visible change. */
class FrameLogTest {

  @Test
  void handshakeFrames() {
    assertThat(FrameLog.describe(false, new Message.Hello(1, 0, "prod", "web1", "web2", 0xabcdefL, true)))
        .isEqualTo(">> HELLO v1.0 cluster=\"prod\" from=\"web1\" to=\"web2\" config=0000000000abcdef owners=true");
    assertThat(FrameLog.describe(true, new Message.HelloReply(1, 0, "web2", 1, 41, -1, true, "")))
        .isEqualTo("<< HELLO_REPLY v1.0 node=\"web2\" config=0000000000000001 lastApplied=41 digest=ffffffffffffffff accepted");
    assertThat(FrameLog.describe(true, new Message.HelloReply(1, 0, "web2", 1, 0, 0, false, "wrong node")))
        .isEqualTo("<< HELLO_REPLY v1.0 node=\"web2\" config=0000000000000001 lastApplied=0 digest=0000000000000000 refused reason=\"wrong node\"");
  }

  @Test
  void manifestFrames() {
    assertThat(FrameLog.describe(false, new Message.ManifestRequest())).isEqualTo(">> MANIFEST_REQUEST");
    assertThat(FrameLog.describe(new Message.ManifestEntries(List.of(WireSamples.file("index.php"), WireSamples.dir("wp")))))
        .isEqualTo("MANIFEST_ENTRIES count=2 first=\"index.php\"");
    assertThat(FrameLog.describe(new Message.ManifestEntries(List.of()))).isEqualTo("MANIFEST_ENTRIES count=0");
    assertThat(FrameLog.describe(new Message.ManifestEnd(2, 255))).isEqualTo("MANIFEST_END count=2 digest=00000000000000ff");
  }

  @Test
  void batchFrames() {
    assertThat(FrameLog.describe(false, new Message.BatchBegin(12, 1_700_000_000_000L, 3))).isEqualTo(">> BATCH_BEGIN seq=12 ops=3");
    assertThat(FrameLog.describe(false, new Message.BatchEnd(12))).isEqualTo(">> BATCH_END seq=12");
    assertThat(FrameLog.describe(true, new Message.Ack(12, 5, List.of()))).isEqualTo("<< ACK seq=12 failures=0");
    assertThat(FrameLog.describe(true, new Message.Ack(12, 5, List.of(new Message.Failure("a/b", "EACCES"), new Message.Failure("", "x")))))
        .isEqualTo("<< ACK seq=12 failures=2 first=\"a/b\" reason=\"EACCES\"");
  }

  @Test
  void opFrames() {
    Meta meta = new Meta(0644, 1_000, 33, 33);
    Meta noOwner = new Meta(0755, 2_000, -1, -1);
    assertThat(describeOp(new Op.Mkdir("wp-content", noOwner))).isEqualTo("OP MKDIR \"wp-content\" mode=0755 mtime=2000");
    assertThat(describeOp(new Op.PutFile("a.php", 10, meta))).isEqualTo("OP PUT_FILE \"a.php\" size=10 mode=0644 owner=33:33 mtime=1000");
    assertThat(describeOp(new Op.Symlink("cur", "../r/1", noOwner))).isEqualTo("OP SYMLINK \"cur\" -> \"../r/1\" mode=0755 mtime=2000");
    assertThat(describeOp(new Op.Hardlink("b", "a"))).isEqualTo("OP HARDLINK \"b\" = \"a\"");
    assertThat(describeOp(new Op.Delete("cache"))).isEqualTo("OP DELETE \"cache\"");
    assertThat(describeOp(new Op.Move("old", "new"))).isEqualTo("OP MOVE \"old\" -> \"new\"");
    assertThat(describeOp(new Op.SetMeta("x", new Meta(04755, 3, 0, 0)))).isEqualTo("OP SET_META \"x\" mode=4755 owner=0:0 mtime=3");
  }

  @Test
  void contentFramesNeverShowContent() {
    assertThat(FrameLog.describe(false, new Message.Data("DB_PASSWORD=hunter2".getBytes(java.nio.charset.StandardCharsets.UTF_8))))
        .isEqualTo(">> DATA length=19");
    assertThat(FrameLog.describe(new Message.Zeros(4096))).isEqualTo("ZEROS length=4096");
    assertThat(FrameLog.describe(new Message.PutEnd(-2))).isEqualTo("PUT_END hash=fffffffffffffffe");
    assertThat(FrameLog.describe(new Message.PutAbort("a.jpg: Permission denied"))).isEqualTo("PUT_ABORT reason=\"a.jpg: Permission denied\"");
  }

  @Test
  void controlFrames() {
    assertThat(FrameLog.describe(true, new Message.ErrorMessage(ErrorCode.WRONG_NODE, "I am web3")))
        .isEqualTo("<< ERROR WRONG_NODE(3) \"I am web3\"");
    assertThat(FrameLog.describe(true, new Message.ErrorMessage(77, "new"))).isEqualTo("<< ERROR UNKNOWN(77) \"new\"");
    assertThat(FrameLog.describe(new Message.Ping(5))).isEqualTo("PING 5");
    assertThat(FrameLog.describe(new Message.Pong(5))).isEqualTo("PONG 5");
  }

  @Test
  void hostileStringsCannotForgeOrFloodLogLines() {
    assertThat(FrameLog.describe(new Message.PutAbort("x\n<< ACK seq=99 \"q\" \\")))
        .isEqualTo("PUT_ABORT reason=\"x\\x0a<< ACK seq=99 \\\"q\\\" \\\\\"");
    assertThat(FrameLog.describe(new Message.PutAbort("y".repeat(10_000))))
        .isEqualTo("PUT_ABORT reason=\"" + "y".repeat(200) + "...\"");
  }

  private static String describeOp(Op op) {
    return FrameLog.describe(new Message.OpMessage(op));
  }
}
