package org.replicator.core.wire;

import java.util.Locale;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.path.UnsafePathException;
import org.replicator.core.wire.Message.Ack;

/**
 * One line of human text per frame for the DEBUG frame log, in the style of okhttp's
 * {@code Http2.frameLog}: {@code >> BATCH_BEGIN seq=12 ops=3}. {@code >>} is a frame we send,
 * {@code <<} one we received.
 *
 * <p>Never prints file content (a DATA frame is its length), and quotes every peer-supplied string
 * with control characters escaped and long values cut, so a hostile name cannot forge or flood log
 * lines. The text is pinned by {@code FrameLogTest}; change both together.
 */
public final class FrameLog {
  private FrameLog() {}

  public static String describe(boolean inbound, Message m) {
    return (inbound ? "<< " : ">> ") + describe(m);
  }

  public static String describe(Message m) {
    String name = m.type().name();
    switch (m.type()) {
      case HELLO: {
        Message.Hello h = (Message.Hello) m;
        return name + " v" + h.major() + "." + h.minor() + " cluster=" + q(h.cluster()) + " from=" + q(h.fromNode())
            + " to=" + q(h.toNode()) + " config=" + hex(h.configHash()) + " owners=" + h.replicateOwners()
            + (h.epoch() == Message.NO_EPOCH ? "" : " epoch=" + h.epoch());
      }
      case HELLO_REPLY: {
        Message.HelloReply r = (Message.HelloReply) m;
        return name + " v" + r.major() + "." + r.minor() + " node=" + q(r.node()) + " config=" + hex(r.configHash())
            + " lastApplied=" + r.lastAppliedSeq() + " digest=" + hex(r.treeDigest())
            + (r.epoch() == Message.NO_EPOCH ? "" : " epoch=" + r.epoch() + " master=" + q(r.master()))
            + (r.accepted() ? " accepted" : " refused reason=" + q(r.reason()));
      }
      case MANIFEST_REQUEST:
        return name;
      case MANIFEST_ENTRIES: {
        var entries = ((Message.ManifestEntries) m).entries();
        return name + " count=" + entries.size() + (entries.isEmpty() ? "" : " first=" + q(entries.get(0).path()));
      }
      case MANIFEST_END: {
        Message.ManifestEnd e = (Message.ManifestEnd) m;
        return name + " count=" + e.count() + " digest=" + hex(e.treeDigest());
      }
      case BATCH_BEGIN: {
        Message.BatchBegin b = (Message.BatchBegin) m;
        return name + " seq=" + b.seq() + " ops=" + b.opCount();
      }
      case OP:
        return name + " " + op(((Message.OpMessage) m).op());
      case DATA:
        return name + " length=" + ((Message.Data) m).bytes().length;
      case ZEROS:
        return name + " length=" + ((Message.Zeros) m).length();
      case COPY:
        return name + " offset=" + ((Message.Copy) m).offset() + " length=" + ((Message.Copy) m).length();
      case PUT_END:
        return name + " hash=" + hex(((Message.PutEnd) m).hash());
      case PUT_ABORT:
        return name + " reason=" + q(((Message.PutAbort) m).reason());
      case BATCH_END:
        return name + " seq=" + ((Message.BatchEnd) m).seq();
      case ACK: {
        Ack a = (Ack) m;
        String text = name + " seq=" + a.seq() + " failures=" + a.failures().size();
        if (!a.failures().isEmpty()) {
          Message.Failure first = a.failures().get(0);
          text += " first=" + q(first.path()) + " reason=" + q(first.reason());
        }
        return text;
      }
      case ERROR: {
        Message.ErrorMessage e = (Message.ErrorMessage) m;
        String code = e.errorCode().map(Enum::name).orElse("UNKNOWN");
        return name + " " + code + "(" + e.code() + ") " + q(e.message());
      }
      case PING:
        return name + " " + ((Message.Ping) m).nanos();
      case PONG:
        return name + " " + ((Message.Pong) m).nanos();
      case HANDOVER:
        return name + " epoch=" + ((Message.Handover) m).epoch() + " master=" + q(((Message.Handover) m).master());
      default:
        throw new AssertionError("unhandled frame type " + m.type());
    }
  }

  private static String op(Op op) {
    String kind = OpCodec.name(op);
    if (op instanceof Op.Mkdir o) {
      return kind + " " + q(o.path()) + meta(o.meta());
    } else if (op instanceof Op.PutFile o) {
      return kind + " " + q(o.path()) + " size=" + o.size() + meta(o.meta())
          + (o.isPatch() ? " basis=" + hex(o.basis().hash()) + "/" + o.basis().size() : "");
    } else if (op instanceof Op.Symlink o) {
      return kind + " " + q(o.path()) + " -> " + q(o.target()) + meta(o.meta());
    } else if (op instanceof Op.Hardlink o) {
      return kind + " " + q(o.path()) + " = " + q(o.existing());
    } else if (op instanceof Op.Delete o) {
      return kind + " " + q(o.path());
    } else if (op instanceof Op.Move o) {
      return kind + " " + q(o.from()) + " -> " + q(o.path());
    } else {
      Op.SetMeta o = (Op.SetMeta) op;
      return kind + " " + q(o.path()) + meta(o.meta());
    }
  }

  private static String meta(Meta meta) {
    String owner = meta.hasOwner() ? " owner=" + meta.uid() + ":" + meta.gid() : "";
    return String.format(Locale.ROOT, " mode=%04o", meta.mode()) + owner + " mtime=" + meta.mtimeNanos();
  }

  /** Quoted, escaped and cut to 200 chars: enough to find the path, too little to flood the log. */
  private static String q(String s) {
    String cut = s.length() > 200 ? s.substring(0, 200) : s;
    String escaped = UnsafePathException.printable(cut.replace("\\", "\\\\").replace("\"", "\\\""));
    return "\"" + escaped + (cut.length() < s.length() ? "...\"" : "\"");
  }

  private static String hex(long v) {
    return String.format(Locale.ROOT, "%016x", v);
  }
}
