package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.wire.Message;

/**
 * One regression test per class of rsync's January 2025 CVE batch, replayed against a real slave
 * by a scripted master that holds the master's real certificate (what a compromised master could
 * send). They share one root cause: the receiver trusted lengths, paths and links chosen by the
 * peer. After each: the sentinel outside the docroot is unchanged, nothing new appeared outside,
 * no temp file is left, and the slave still serves the real master.
 */
class RsyncCveRegressionIT extends SlaveUnderAttack {
  RsyncCveRegressionIT() {
    super("secret-db-password");
  }

  private static final Meta FILE = new Meta(0644, 0, -1, -1);

  private static long hash(String s) {
    return ContentHasher.of(s.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * CVE-2024-12084: rsync's receiver sized a buffer from the sender's checksum length and
   * overflowed the heap. Here every length is checked against a hard maximum before a buffer is
   * sized: a frame announcing 2 GiB, and a file announcing more than any disk, are refused and only
   * that connection closes.
   */
  @Test
  void cve_2024_12084_lengthsFromThePeerNeverSizeABuffer() throws Exception {
    try (ScriptedMaster peer = ScriptedMaster.greeted(cluster, slave)) {
      ByteArrayOutputStream frame = new ByteArrayOutputStream();
      new DataOutputStream(frame).writeInt(Integer.MAX_VALUE);
      frame.write(0x12);
      peer.sendRaw(frame.toByteArray());
      assertThat(peer.closedByPeer()).isTrue();
    }
    try (ScriptedMaster peer = ScriptedMaster.greeted(cluster, slave)) {
      peer.send(new Message.BatchBegin(1, 0, 1));
      peer.send(new Message.OpMessage(new Op.PutFile("huge.bin", Long.MAX_VALUE / 2, FILE)));
      peer.send(new Message.Data(new byte[] {1, 2, 3}));
      peer.send(new Message.PutEnd(hash("x")));
      peer.send(new Message.BatchEnd(1));
      // Refused as a failure of that file or by closing the connection; never written.
      Message reply = peer.closedByPeerOrReply();
      if (reply instanceof Message.Ack ack) {
        assertThat(ack.failures()).extracting(Message.Failure::path).contains("huge.bin");
      }
    }
    assertThat(slaveRoot.resolve("huge.bin")).doesNotExist();
  }

  /**
   * CVE-2024-12085: rsync leaked uninitialized stack bytes through a checksum compared over more
   * bytes than were filled. Here a file never holds bytes the master did not send: a file whose
   * content stops short of its declared size is refused, and no padded or partial version becomes
   * visible.
   */
  @Test
  void cve_2024_12085_shortContentIsNeverPaddedIntoAFile() throws Exception {
    byte[] part = "only-half".getBytes(StandardCharsets.UTF_8);
    try (ScriptedMaster peer = ScriptedMaster.greeted(cluster, slave)) {
      peer.send(new Message.BatchBegin(1, 0, 1));
      peer.send(new Message.OpMessage(new Op.PutFile("short.txt", part.length * 2L, FILE)));
      peer.send(new Message.Data(part));
      peer.send(new Message.PutEnd(hash("only-half")));
      peer.send(new Message.BatchEnd(1));
      Message reply = peer.closedByPeerOrReply();
      if (reply instanceof Message.Ack ack) {
        assertThat(ack.failures()).extracting(Message.Failure::path).contains("short.txt");
      }
    }
    assertThat(slaveRoot.resolve("short.txt")).doesNotExist();
  }

  /**
   * CVE-2024-12086: a malicious rsync server learned the content of arbitrary client files by
   * sending checksums and watching which blocks were matched. Here a patch's basis is only ever a
   * regular file reached through real directories of the docroot: a basis reached through a
   * symlinked directory that points outside is refused with the same answer whether or not the
   * master guessed the outside file's size and hash, and nothing of it is copied in.
   */
  @Test
  void cve_2024_12086_aBasisOutsideTheRootIsNeitherReadNorConfirmed() throws Exception {
    Files.createSymbolicLink(slaveRoot.resolve("planted"), outside);
    long rightGuess = hash("secret-db-password");
    int size = "secret-db-password".length();
    String rightAnswer;
    String wrongAnswer;
    try (ScriptedMaster peer = ScriptedMaster.greeted(cluster, slave)) {
      rightAnswer = patchFailure(peer, 1, "planted/sentinel", rightGuess, size).replace(hex(rightGuess), "H");
      wrongAnswer = patchFailure(peer, 2, "planted/sentinel", rightGuess ^ 1, size).replace(hex(rightGuess ^ 1), "H");
    }
    // Apart from echoing the master's own guess, the answers are the same: nothing to learn.
    assertThat(rightAnswer).as("a right guess reads the same as a wrong one").isEqualTo(wrongAnswer);
    assertThat(rightAnswer).doesNotContain("secret").doesNotContain("has a " + size + "-byte");
    assertThat(Files.readString(outside.resolve("sentinel"))).isEqualTo("secret-db-password");
    Files.delete(slaveRoot.resolve("planted"));
  }

  private static String hex(long hash) {
    return String.format(java.util.Locale.ROOT, "%016x", hash);
  }

  private static String patchFailure(ScriptedMaster peer, long seq, String path, long basisHash, int size) throws Exception {
    peer.send(new Message.BatchBegin(seq, 0, 1));
    peer.send(new Message.OpMessage(new Op.PutFile(path, size, FILE, new Op.Basis(basisHash, size))));
    peer.send(new Message.Copy(0, size));
    peer.send(new Message.PutEnd(basisHash));
    peer.send(new Message.BatchEnd(seq));
    Message.Ack ack = (Message.Ack) peer.receiveSkippingPings();
    assertThat(ack.failures()).extracting(Message.Failure::path).containsExactly(path);
    return ack.failures().get(0).reason();
  }

  /**
   * CVE-2024-12087: with --inc-recursive a malicious server could send a symlink and then files
   * "inside" it, writing outside the destination. Here a symlink that arrived earlier in the same
   * batch, pointing outside, is never followed: files and directories under it are refused.
   */
  @Test
  void cve_2024_12087_aSymlinkFromTheSameBatchIsNeverAParent() throws Exception {
    byte[] evil = "pwned".getBytes(StandardCharsets.UTF_8);
    try (ScriptedMaster peer = ScriptedMaster.greeted(cluster, slave)) {
      peer.send(new Message.BatchBegin(1, 0, 3));
      peer.send(new Message.OpMessage(new Op.Symlink("wp-content", outside.toString(), new Meta(0777, 0, -1, -1))));
      peer.send(new Message.OpMessage(new Op.Mkdir("wp-content/uploads", new Meta(0755, 0, -1, -1))));
      peer.send(new Message.OpMessage(new Op.PutFile("wp-content/uploads/shell.php", evil.length, FILE)));
      peer.send(new Message.Data(evil));
      peer.send(new Message.PutEnd(ContentHasher.of(evil)));
      peer.send(new Message.BatchEnd(1));
      Message.Ack ack = (Message.Ack) peer.receiveSkippingPings();
      assertThat(ack.failures()).extracting(Message.Failure::path).contains("wp-content/uploads", "wp-content/uploads/shell.php");
    }
    assertThat(outside.resolve("uploads")).doesNotExist();
    Files.delete(slaveRoot.resolve("wp-content"));
  }

  /**
   * CVE-2024-12088: rsync's --safe-links accepted a symlink whose target climbed out of the tree
   * through a subdirectory. Here no link's target is ever followed by the receiver, whatever it
   * says, and a hard link (which has no target to check later) must name a file inside the root:
   * a relative link climbing out and a hard link to a path outside are both harmless.
   */
  @Test
  void cve_2024_12088_linksThatClimbOutGiveNoWayOut() throws Exception {
    byte[] evil = "pwned".getBytes(StandardCharsets.UTF_8);
    try (ScriptedMaster peer = ScriptedMaster.greeted(cluster, slave)) {
      peer.send(new Message.BatchBegin(1, 0, 4));
      peer.send(new Message.OpMessage(new Op.Mkdir("sub", new Meta(0755, 0, -1, -1))));
      peer.send(new Message.OpMessage(new Op.Symlink("sub/up", "../../../outside", new Meta(0777, 0, -1, -1))));
      peer.send(new Message.OpMessage(new Op.PutFile("sub/up/sentinel", evil.length, FILE)));
      peer.send(new Message.Data(evil));
      peer.send(new Message.PutEnd(ContentHasher.of(evil)));
      peer.send(new Message.OpMessage(new Op.Hardlink("stolen", "../outside/sentinel")));
      peer.send(new Message.BatchEnd(1));
      Message reply = peer.closedByPeerOrReply();
      if (reply instanceof Message.Ack ack) {
        assertThat(ack.failures()).extracting(Message.Failure::path).contains("sub/up/sentinel");
      }
    }
    assertThat(slaveRoot.resolve("stolen")).doesNotExist();
    for (Path p : List.of(slaveRoot.resolve("sub/up"), slaveRoot.resolve("sub"))) {
      if (Files.isSymbolicLink(p)) {
        Files.delete(p);
      }
    }
  }
}
