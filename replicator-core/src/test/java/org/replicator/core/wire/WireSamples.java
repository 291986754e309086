package org.replicator.core.wire;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.wire.Message.Ack;

/** One or more instances of every message and op kind, shared by the wire tests. */
final class WireSamples {
  static final Meta META = new Meta(0644, 1_700_000_000_123_456_789L, 33, 33);
  static final Meta NO_OWNER = new Meta(0755, 1_600_000_000_000_000_000L, Meta.NO_OWNER, Meta.NO_OWNER);

  private WireSamples() {}

  static Entry file(String path) {
    return new Entry(path, EntryType.FILE, 1234, 1_700_000_000_000_000_001L, 0644, 33, 33, 0x1234_5678_9abc_def0L, "", 4242, 1, 1_700_000_000_000_000_002L);
  }

  static Entry symlink(String path, String target) {
    return new Entry(path, EntryType.SYMLINK, target.length(), 5, 0777, -1, -1, 0, target, 7, 1, 6);
  }

  static Entry dir(String path) {
    return new Entry(path, EntryType.DIR, 0, 9, 0755, 0, 0, 0, "", 8, 3, 10);
  }

  static List<Op> ops() {
    return List.of(
        new Op.Mkdir("wp-content/uploads/2026", NO_OWNER),
        new Op.PutFile("wp-content/uploads/2026/héllo wörld.jpg", 1L << 40, META),
        new Op.PutFile("empty.txt", 0, META),
        new Op.PutFile("wp-content/debug.log", 5_000_000, META, new Op.Basis(0x0f0e_0d0c_0b0a_0908L, 4_999_000)),
        new Op.PutFile("to-empty.bin", 0, NO_OWNER, new Op.Basis(-1, 0)),
        new Op.Symlink("wp-content/current", "../releases/42", META),
        new Op.Symlink("etc-link", "/etc/passwd", NO_OWNER),
        new Op.Hardlink("b.txt", "a.txt"),
        new Op.Delete("wp-content/cache"),
        new Op.Move("old/name.php", "new/name.php"),
        new Op.SetMeta("index.php", new Meta(07777, -1, 0, 65534)));
  }

  static List<Message> messages() {
    byte[] compressible = "wordpress ".repeat(10_000).getBytes(StandardCharsets.US_ASCII);
    byte[] random = new byte[Protocol.MAX_DATA_CHUNK];
    new Random(7).nextBytes(random);
    List<Message> list = new java.util.ArrayList<>(List.of(
        new Message.Hello(1, 0, "prod", "web1", "web2", 0xdead_beef_cafe_babeL, true),
        new Message.Hello(65535, 65535, "", "ü", "日本", -1, false, Long.MAX_VALUE),
        new Message.Hello(1, 2, "prod", "web2", "web1", 7, true, 0),
        new Message.Hello(1, 2, "prod", "web2", "web3", 7, false, 3),
        new Message.HelloReply(1, 0, "web2", 42, 41, -7, true, ""),
        new Message.HelloReply(1, 1, "web3", 0, 0, 0, false, "config hash differs: expected 1, got 2"),
        new Message.HelloReply(1, 2, "web3", 0, 0, 0, false, "superseded", 4, "web2"),
        new Message.HelloReply(1, 2, "web1", 9, 12, 5, true, "", 0, "web1"),
        new Message.Handover(1, "web2"),
        new Message.Handover(Long.MAX_VALUE, "ü"),
        new Message.ManifestRequest(),
        new Message.ManifestEntries(List.of()),
        new Message.ManifestEntries(List.of(file("index.php"), dir("wp-content"), symlink("wp-content/current", "/srv/x/../y"))),
        new Message.ManifestEnd(3, 0x0123_4567_89ab_cdefL),
        new Message.BatchBegin(1, 1_700_000_000_000L, 0),
        new Message.BatchBegin(Long.MAX_VALUE, -1, Integer.MAX_VALUE),
        new Message.Data(new byte[] {42}),
        new Message.Data(compressible),
        new Message.Data(random),
        new Message.Zeros(1),
        new Message.Zeros(Protocol.MAX_FILE_SIZE),
        new Message.Copy(0, 1),
        new Message.Copy(Protocol.MAX_FILE_SIZE, Protocol.MAX_FILE_SIZE),
        new Message.PutEnd(0x8000_0000_0000_0000L),
        new Message.PutAbort("wp-content/a.jpg: Permission denied"),
        new Message.BatchEnd(12),
        new Message.Ack(12, 1_700_000_000_999L, List.of()),
        new Message.Ack(13, 0, List.of(new Message.Failure("", "disk full"), new Message.Failure("a/b.txt", "EACCES"))),
        new Message.ErrorMessage(ErrorCode.CONFIG_MISMATCH, "cluster file hash 1 != 2"),
        new Message.ErrorMessage(999, "from the future"),
        new Message.Ping(123_456_789),
        new Message.Pong(-1)));
    for (Op op : ops()) {
      list.add(new Message.OpMessage(op));
    }
    return list;
  }
}
