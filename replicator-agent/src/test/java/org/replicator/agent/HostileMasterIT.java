package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.wire.FrameReader;
import org.replicator.core.wire.FrameWriter;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;

/**
 * A scripted peer that speaks the real protocol to a real slave agent and sends what a hostile or
 * broken master would. It holds the master's real TLS certificate, so these cases test what a
 * compromised or buggy master can do once authenticated (PeerAuthenticationIT covers strangers).
 * After each case: nothing outside the docroot changed, no temp file is left, and the slave still
 * serves the real master.
 */
class HostileMasterIT extends SlaveUnderAttack {
  HostileMasterIT() {
    super("untouched");
  }

  private Message.Hello hello(long configHash, String toNode) {
    return new Message.Hello(Protocol.MAJOR, Protocol.MINOR, "it", "master", toNode, configHash, false, 0);
  }

  @Test
  void masterWithADifferentClusterFileIsRefusedWithTheReason() throws Exception {
    try (ScriptedMaster peer = new ScriptedMaster(cluster, slave)) {
      peer.send(hello(cluster.config().replicationHash() ^ 1, "slave1"));
      Message.HelloReply reply = (Message.HelloReply) peer.receive();
      assertThat(reply.accepted()).isFalse();
      assertThat(reply.reason()).contains("cluster file differs");
      assertThat(peer.closedByPeer()).isTrue();
    }
  }

  /**
   * Two nodes that both believe they are master (failover): the slave follows the higher epoch,
   * and the master of the lower one is refused and told which epoch and master won, so it never
   * sends a change.
   */
  @Test
  void theHigherEpochWinsAndTheLowerMasterIsToldItWasSuperseded() throws Exception {
    try (ScriptedMaster newer = new ScriptedMaster(cluster, slave)) {
      newer.send(new Message.Hello(Protocol.MAJOR, Protocol.MINOR, "it", "master", "slave1", cluster.config().replicationHash(), false, 2));
      Message.HelloReply reply = (Message.HelloReply) newer.receive();
      assertThat(reply.accepted()).as(reply.reason()).isTrue();
      assertThat(reply.epoch()).isEqualTo(2);
    }
    try (ScriptedMaster older = new ScriptedMaster(cluster, slave)) {
      older.send(new Message.Hello(Protocol.MAJOR, Protocol.MINOR, "it", "master", "slave1", cluster.config().replicationHash(), false, 1));
      Message.HelloReply reply = (Message.HelloReply) older.receive();
      assertThat(reply.accepted()).isFalse();
      assertThat(reply.epoch()).isEqualTo(2);
      assertThat(reply.master()).isEqualTo("master");
      assertThat(reply.reason()).contains("claims to be master at epoch 1, but this node knows epoch 2", "must not send");
      older.send(new Message.BatchBegin(1, 0, 1));
      assertThat(older.closedByPeer()).isTrue();
    }
    // This slave agent runs without RoleHost: its epoch lives in memory. A restart forgets epoch 2,
    // so the checks after each test can use the cluster's own master (epoch 0) again.
    cluster.stop("slave1");
    cluster.start("slave1");
  }

  /** A master from before epochs (1.1) is refused with both versions named, in the layout it reads. */
  @Test
  void aMasterWithoutEpochsIsRefusedNamingBothVersions() throws Exception {
    try (ScriptedMaster old = new ScriptedMaster(cluster, slave)) {
      old.send(new Message.Hello(1, 1, "it", "master", "slave1", cluster.config().replicationHash(), false));
      Message.HelloReply reply = (Message.HelloReply) old.receive();
      assertThat(reply.accepted()).isFalse();
      assertThat(reply.minor()).as("the old layout, which a 1.1 master reads").isEqualTo(1);
      assertThat(reply.epoch()).isEqualTo(Message.NO_EPOCH);
      assertThat(reply.reason()).contains("speaks protocol 1.1, which has no epoch", "this node speaks 1.2", "upgrade 'master'");
    }
  }

  @Test
  void peerThatIsNotTheMasterOfTheClusterIsRefused() throws Exception {
    try (ScriptedMaster peer = new ScriptedMaster(cluster, slave)) {
      peer.send(new Message.Hello(Protocol.MAJOR, Protocol.MINOR, "it", "slave9", "slave1", cluster.config().replicationHash(), false, 0));
      Message.HelloReply reply = (Message.HelloReply) peer.receive();
      assertThat(reply.accepted()).isFalse();
      assertThat(reply.reason()).contains("not the master");
    }
  }

  @Test
  void dotDotPathClosesTheConnectionBeforeAnythingIsWritten() throws Exception {
    try (ScriptedMaster peer = greeted()) {
      peer.send(new Message.BatchBegin(1, 0, 1));
      // OP MKDIR "../outside/evil", hand-built: our own writer refuses to encode it.
      peer.sendRaw(opFrame(1, "../outside/evil"));
      assertThat(peer.closedByPeer()).isTrue();
    }
    assertThat(outside.resolve("evil")).doesNotExist();
  }

  /** Every spelling of a bad path closes the connection at decoding, before any op exists. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"a/../../outside/evil", "a/./b", "a//b", "", "a\u0000b", ".replicator/tmp/x", "/", "..", "deep"})
  void badPathClosesTheConnectionBeforeAnythingIsWritten(String path) throws Exception {
    String sent = path.equals("deep") ? "d/".repeat(300) + "evil" : path;
    try (ScriptedMaster peer = greeted()) {
      peer.send(new Message.BatchBegin(1, 0, 1));
      peer.sendRaw(opFrame(1, sent));
      assertThat(peer.closedByPeer()).isTrue();
    }
    assertThat(slaveRoot.resolve("a")).doesNotExist();
    assertThat(slaveRoot.resolve("d")).doesNotExist();
  }

  @Test
  void overLongComponentAndPathCloseTheConnection() throws Exception {
    for (String path : new String[] {"x".repeat(256), ("y".repeat(200) + "/").repeat(21) + "z"}) {
      try (ScriptedMaster peer = greeted()) {
        peer.send(new Message.BatchBegin(1, 0, 1));
        peer.sendRaw(opFrame(1, path));
        assertThat(peer.closedByPeer()).as("%d-byte path", path.length()).isTrue();
      }
    }
    try (var files = Files.list(slaveRoot)) {
      assertThat(files.map(p -> p.getFileName().toString())).doesNotContain("x".repeat(255)).allMatch(n -> n.length() < 200);
    }
  }

  @Test
  void hardLinkToAFileOutsideTheRootIsRefused() throws Exception {
    Files.createSymbolicLink(slaveRoot.resolve("planted-file"), outside.resolve("sentinel"));
    Files.createSymbolicLink(slaveRoot.resolve("planted-dir"), outside);
    try (ScriptedMaster peer = greeted()) {
      peer.send(new Message.BatchBegin(1, 0, 2));
      peer.send(new Message.OpMessage(new Op.Hardlink("stolen1", "planted-file")));
      peer.send(new Message.OpMessage(new Op.Hardlink("stolen2", "planted-dir/sentinel")));
      peer.send(new Message.BatchEnd(1));
      Message.Ack ack = (Message.Ack) peer.receiveSkippingPings();
      // Each failure names the path that was refused: the new name, or the link's source path.
      assertThat(ack.failures()).extracting(Message.Failure::path).containsExactlyInAnyOrder("stolen1", "planted-dir/sentinel");
    }
    assertThat(slaveRoot.resolve("stolen1")).doesNotExist();
    assertThat(slaveRoot.resolve("stolen2")).doesNotExist();
    assertThat(Files.getAttribute(outside.resolve("sentinel"), "unix:nlink")).as("no new name for the outside file").isEqualTo(1);
    Files.delete(slaveRoot.resolve("planted-file"));
    Files.delete(slaveRoot.resolve("planted-dir"));
  }

  @Test
  void aSwapUnitAimedAtTheStagingSiblingOrThroughASymlinkedPluginIsRefusedAndNothingIsLost() throws Exception {
    Path plugins = Files.createDirectories(slaveRoot.resolve("wp-content/plugins"));
    Files.writeString(Files.createDirectories(plugins.resolve("hello")).resolve("a.php"), "<?php // kept");
    Files.createSymbolicLink(plugins.resolve("evil"), outside);
    Meta dir = new Meta(0755, 0, Meta.NO_OWNER, Meta.NO_OWNER);
    try (ScriptedMaster peer = greeted()) {
      peer.send(new Message.BatchBegin(1, 0, 3));
      peer.send(new Message.OpMessage(new Op.Mkdir("wp-content/plugins/.replicator-swap.hello", dir)));
      peer.send(new Message.OpMessage(new Op.Symlink("wp-content/plugins/evil/x", "/etc/passwd", dir)));
      peer.send(new Message.OpMessage(new Op.Move("wp-content/plugins/.replicator-swap.hello", "wp-content/plugins/hello")));
      peer.send(new Message.BatchEnd(1));
      Message.Ack ack = (Message.Ack) peer.receiveSkippingPings();
      assertThat(ack.failures()).extracting(Message.Failure::path)
          .contains("wp-content/plugins/.replicator-swap.hello", "wp-content/plugins/evil/x");
      assertThat(ack.failures()).extracting(Message.Failure::reason).anyMatch(r -> r.contains("the slave's own"));
    }
    assertThat(outside.resolve("x")).doesNotExist();
    assertThat(Files.readString(plugins.resolve("hello/a.php"))).isEqualTo("<?php // kept");
    try (var names = Files.list(plugins)) {
      assertThat(names.map(n -> n.getFileName().toString())).containsExactlyInAnyOrder("hello", "evil");
    }
    Files.delete(plugins.resolve("evil"));
  }

  @Test
  void absolutePathClosesTheConnection() throws Exception {
    try (ScriptedMaster peer = greeted()) {
      peer.send(new Message.BatchBegin(1, 0, 1));
      peer.sendRaw(opFrame(1, outside.resolve("abs").toString()));
      assertThat(peer.closedByPeer()).isTrue();
    }
    assertThat(outside.resolve("abs")).doesNotExist();
  }

  @Test
  void fileThroughASymlinkThatArrivedEarlierIsRefusedAndReported() throws Exception {
    try (ScriptedMaster peer = greeted()) {
      peer.send(new Message.BatchBegin(1, 0, 2));
      peer.send(new Message.OpMessage(new Op.Symlink("link", outside.toString(), new Meta(0777, 0, -1, -1))));
      byte[] content = "pwned".getBytes(StandardCharsets.UTF_8);
      peer.send(new Message.OpMessage(new Op.PutFile("link/evil.txt", content.length, new Meta(0644, 0, -1, -1))));
      peer.send(new Message.Data(content));
      peer.send(new Message.PutEnd(ContentHasher.of(content)));
      peer.send(new Message.BatchEnd(1));
      Message.Ack ack = (Message.Ack) peer.receiveSkippingPings();
      assertThat(ack.failures()).extracting(Message.Failure::path).contains("link/evil.txt");
    }
    assertThat(outside.resolve("evil.txt")).doesNotExist();
  }

  /**
   * Ops are streamed, so a batch has no op count the slave could refuse up front: 3,000 ops that
   * each fail (a directory under a symlink to outside) must not grow the slave's memory with the
   * batch. The ack lists what fits and counts the rest.
   */
  @Test
  void batchOfThousandsOfFailingOpsGetsABoundedAck() throws Exception {
    int ops = 3000;
    try (ScriptedMaster peer = greeted()) {
      peer.send(new Message.BatchBegin(1, 0, ops + 1));
      peer.send(new Message.OpMessage(new Op.Symlink("link", outside.toString(), new Meta(0777, 0, -1, -1))));
      for (int i = 0; i < ops; i++) {
        peer.send(new Message.OpMessage(new Op.Mkdir("link/d" + i, new Meta(0755, 0, -1, -1))));
      }
      peer.send(new Message.BatchEnd(1));
      Message.Ack ack = (Message.Ack) peer.receiveSkippingPings();
      assertThat(ack.failures()).hasSizeLessThanOrEqualTo(Protocol.MAX_FAILURES);
      assertThat(ack.failures().get(0).path()).isEqualTo("link/d0");
      assertThat(ack.failures().get(ack.failures().size() - 1).reason()).endsWith("more failures not listed");
    }
    assertThat(outside.resolve("d0")).doesNotExist();
  }

  @Test
  void contentWithTheWrongHashKeepsTheOldFile() throws Exception {
    Files.writeString(slaveRoot.resolve("index.php"), "<?php");
    try (ScriptedMaster peer = greeted()) {
      byte[] content = "tampered".getBytes(StandardCharsets.UTF_8);
      peer.send(new Message.BatchBegin(1, 0, 1));
      peer.send(new Message.OpMessage(new Op.PutFile("index.php", content.length, new Meta(0644, 0, -1, -1))));
      peer.send(new Message.Data(content));
      peer.send(new Message.PutEnd(ContentHasher.of(content) + 1));
      peer.send(new Message.BatchEnd(1));
      Message.Ack ack = (Message.Ack) peer.receiveSkippingPings();
      assertThat(ack.failures()).singleElement().satisfies(f -> assertThat(f.reason()).contains("hash mismatch"));
    }
    assertThat(Files.readString(slaveRoot.resolve("index.php"))).isEqualTo("<?php");
  }

  /** Sends one PATCH_FILE of index.php (basis: the 5-byte "<?php" the slave holds) and returns the ACK. */
  private Message.Ack patchIndex(long size, long basisHash, long basisSize, Message... content) throws Exception {
    Files.writeString(slaveRoot.resolve("index.php"), "<?php");
    try (ScriptedMaster peer = greeted()) {
      peer.send(new Message.BatchBegin(1, 0, 1));
      peer.send(new Message.OpMessage(new Op.PutFile("index.php", size, new Meta(0644, 0, -1, -1), new Op.Basis(basisHash, basisSize))));
      for (Message m : content) {
        peer.send(m);
      }
      peer.send(new Message.BatchEnd(1));
      return (Message.Ack) peer.receiveSkippingPings();
    }
  }

  private static final long BASIS = ContentHasher.of("<?php".getBytes(StandardCharsets.UTF_8));

  @Test
  void patchCopyingPastTheEndOfItsBasisKeepsTheOldFile() throws Exception {
    Message.Ack ack = patchIndex(10, BASIS, 5, new Message.Copy(3, 10), new Message.PutEnd(0));
    assertThat(ack.failures()).singleElement().satisfies(f -> assertThat(f.reason()).contains("outside the 5-byte basis"));
    assertThat(Files.readString(slaveRoot.resolve("index.php"))).isEqualTo("<?php");
  }

  @Test
  void patchAgainstAnotherVersionIsRefusedBeforeAnythingIsRead() throws Exception {
    Message.Ack ack = patchIndex(5, BASIS ^ 1, 5, new Message.Copy(0, 5), new Message.PutEnd(BASIS));
    assertThat(ack.failures()).singleElement().satisfies(f -> assertThat(f.reason()).contains("patch expects the 5-byte version"));
    assertThat(Files.readString(slaveRoot.resolve("index.php"))).isEqualTo("<?php");
  }

  @Test
  void patchWhoseResultHasTheWrongHashOrSizeKeepsTheOldFile() throws Exception {
    Message.Ack ack = patchIndex(10, BASIS, 5, new Message.Copy(0, 5), new Message.Data("<?php".getBytes(StandardCharsets.UTF_8)),
        new Message.PutEnd(12345));
    assertThat(ack.failures()).singleElement().satisfies(f -> assertThat(f.reason()).contains("hash mismatch"));
    Message.Ack longer = patchIndex(6, BASIS, 5, new Message.Copy(0, 5), new Message.Copy(0, 5), new Message.PutEnd(0));
    assertThat(longer.failures()).singleElement().satisfies(f -> assertThat(f.reason()).contains("size mismatch"));
    assertThat(Files.readString(slaveRoot.resolve("index.php"))).isEqualTo("<?php");
  }

  @Test
  void copyInsideAWholeFilePutIsRefused() throws Exception {
    Files.writeString(slaveRoot.resolve("index.php"), "<?php");
    try (ScriptedMaster peer = greeted()) {
      peer.send(new Message.BatchBegin(1, 0, 1));
      peer.send(new Message.OpMessage(new Op.PutFile("index.php", 5, new Meta(0644, 0, -1, -1))));
      peer.send(new Message.Copy(0, 5));
      peer.send(new Message.PutEnd(BASIS));
      peer.send(new Message.BatchEnd(1));
      Message.Ack ack = (Message.Ack) peer.receiveSkippingPings();
      assertThat(ack.failures()).singleElement().satisfies(f -> assertThat(f.reason()).contains("whole-file put"));
    }
  }

  @Test
  void patchWhoseBasisIsASymlinkOutOfTheRootNeverReadsThroughIt() throws Exception {
    Files.createSymbolicLink(slaveRoot.resolve("planted.txt"), outside.resolve("sentinel"));
    long sentinelHash = ContentHasher.of("untouched".getBytes(StandardCharsets.UTF_8));
    try (ScriptedMaster peer = greeted()) {
      peer.send(new Message.BatchBegin(1, 0, 1));
      peer.send(new Message.OpMessage(new Op.PutFile("copied.txt", 9, new Meta(0644, 0, -1, -1), new Op.Basis(sentinelHash, 9))));
      peer.send(new Message.Copy(0, 9));
      peer.send(new Message.PutEnd(sentinelHash));
      peer.send(new Message.BatchEnd(1));
      Message.Ack ack = (Message.Ack) peer.receiveSkippingPings();
      assertThat(ack.failures()).singleElement().satisfies(f -> assertThat(f.reason()).contains("but this slave has no file"));
      peer.send(new Message.BatchBegin(2, 0, 1));
      peer.send(new Message.OpMessage(new Op.PutFile("planted.txt", 9, new Meta(0644, 0, -1, -1), new Op.Basis(sentinelHash, 9))));
      peer.send(new Message.Copy(0, 9));
      peer.send(new Message.PutEnd(sentinelHash));
      peer.send(new Message.BatchEnd(2));
      Message.Ack second = (Message.Ack) peer.receiveSkippingPings();
      assertThat(second.failures()).singleElement().satisfies(f -> assertThat(f.reason()).contains("but this slave has a symlink"));
    }
    assertThat(slaveRoot.resolve("copied.txt")).doesNotExist();
    assertThat(Files.isSymbolicLink(slaveRoot.resolve("planted.txt"))).isTrue();
  }

  @Test
  void moreDataThanAnnouncedIsRefused() throws Exception {
    try (ScriptedMaster peer = greeted()) {
      peer.send(new Message.BatchBegin(1, 0, 1));
      peer.send(new Message.OpMessage(new Op.PutFile("big.bin", 4, new Meta(0644, 0, -1, -1))));
      peer.send(new Message.Data(new byte[1024]));
      peer.send(new Message.PutEnd(0));
      peer.send(new Message.BatchEnd(1));
      Message.Ack ack = (Message.Ack) peer.receiveSkippingPings();
      assertThat(ack.failures()).singleElement().satisfies(f -> assertThat(f.reason()).contains("size mismatch"));
    }
    assertThat(slaveRoot.resolve("big.bin")).doesNotExist();
  }

  @Test
  void frameLongerThanTheLimitClosesTheConnection() throws Exception {
    try (ScriptedMaster peer = greeted()) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      new DataOutputStream(b).writeInt(Integer.MAX_VALUE);
      peer.sendRaw(b.toByteArray());
      assertThat(peer.closedByPeer()).isTrue();
    }
  }

  @Test
  void dataOutsideAFileIsAProtocolViolation() throws Exception {
    try (ScriptedMaster peer = greeted()) {
      peer.send(new Message.BatchBegin(1, 0, 0));
      peer.send(new Message.Data(new byte[] {1, 2, 3}));
      assertThat(peer.closedByPeer()).isTrue();
    }
  }

  private ScriptedMaster greeted() throws Exception {
    ScriptedMaster peer = new ScriptedMaster(cluster, slave);
    peer.send(hello(cluster.config().replicationHash(), "slave1"));
    Message.HelloReply reply = (Message.HelloReply) peer.receive();
    assertThat(reply.accepted()).as(reply.reason()).isTrue();
    return peer;
  }

  /** An OP frame with an arbitrary path and sub-code, length prefix included. */
  private static byte[] opFrame(int opCode, String path) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(body);
    out.writeByte(0x11);
    out.writeByte(opCode);
    byte[] p = path.getBytes(StandardCharsets.UTF_8);
    out.writeShort(p.length);
    out.write(p);
    out.writeShort(0755);
    out.writeLong(0);
    out.writeInt(-1);
    out.writeInt(-1);
    ByteArrayOutputStream frame = new ByteArrayOutputStream();
    new DataOutputStream(frame).writeInt(body.size());
    frame.writeBytes(body.toByteArray());
    return frame.toByteArray();
  }
}
