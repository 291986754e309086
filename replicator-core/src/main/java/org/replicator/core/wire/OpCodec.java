package org.replicator.core.wire;

import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.path.RelPath;

/**
 * Bytes ↔ {@link Op} and {@link Meta} inside an OP frame: a u8 sub-code, then the op's fields.
 * Paths (destination, {@code Move.from}, {@code Hardlink.existing}) are validated with
 * {@link RelPath} on decode and the {@link org.replicator.core.path.UnsafePathException}
 * propagates unwrapped. Symlink targets are not paths: they travel verbatim (absolute or with
 * "..", never followed here; the applier decides), only non-empty, bounded and NUL-free.
 */
final class OpCodec {
  static final int MKDIR = 1;
  static final int PUT_FILE = 2;
  static final int SYMLINK = 3;
  static final int HARDLINK = 4;
  static final int DELETE = 5;
  static final int MOVE = 6;
  static final int SET_META = 7;
  /** A PutFile with a basis (protocol minor 1): path, size, meta, basis hash, basis size. */
  static final int PATCH_FILE = 8;

  /** Encoded size of a Meta: mode u16, mtime i64, uid i32, gid i32. */
  static final int META_BYTES = 2 + 8 + 4 + 4;

  private OpCodec() {}

  static void write(WireOutput out, Op op) {
    if (op instanceof Op.Mkdir o) {
      out.u8(MKDIR);
      path(out, "path", o.path());
      writeMeta(out, o.meta());
    } else if (op instanceof Op.PutFile o) {
      out.u8(o.isPatch() ? PATCH_FILE : PUT_FILE);
      path(out, "path", o.path());
      out.i64(o.size());
      writeMeta(out, o.meta());
      if (o.isPatch()) {
        out.i64(o.basis().hash());
        out.i64(o.basis().size());
      }
    } else if (op instanceof Op.Symlink o) {
      out.u8(SYMLINK);
      path(out, "path", o.path());
      out.string("target", o.target(), Protocol.MAX_STRING);
      writeMeta(out, o.meta());
    } else if (op instanceof Op.Hardlink o) {
      out.u8(HARDLINK);
      path(out, "path", o.path());
      path(out, "existing", o.existing());
    } else if (op instanceof Op.Delete o) {
      out.u8(DELETE);
      path(out, "path", o.path());
    } else if (op instanceof Op.Move o) {
      out.u8(MOVE);
      path(out, "from", o.from());
      path(out, "path", o.path());
    } else if (op instanceof Op.SetMeta o) {
      out.u8(SET_META);
      path(out, "path", o.path());
      writeMeta(out, o.meta());
    } else {
      throw new AssertionError("unhandled op " + op.getClass()); // Op is sealed: a new kind lands here first
    }
  }

  static Op read(WireInput in) throws ProtocolException {
    int code = in.u8("op code");
    switch (code) {
      case MKDIR:
        return new Op.Mkdir(path(in, "path"), readMeta(in));
      case PUT_FILE: {
        String path = path(in, "path");
        long size = in.range("size", 0, Protocol.MAX_FILE_SIZE);
        return new Op.PutFile(path, size, readMeta(in));
      }
      case PATCH_FILE: {
        String path = path(in, "path");
        long size = in.range("size", 0, Protocol.MAX_FILE_SIZE);
        Meta meta = readMeta(in);
        long basisHash = in.i64("basis hash");
        long basisSize = in.range("basis size", 0, Protocol.MAX_FILE_SIZE);
        return new Op.PutFile(path, size, meta, new Op.Basis(basisHash, basisSize));
      }
      case SYMLINK: {
        String path = path(in, "path");
        String target = linkTarget(in, "target");
        if (target.isEmpty()) {
          throw in.error("has an empty symlink target for '" + printable(path) + "'");
        }
        return new Op.Symlink(path, target, readMeta(in));
      }
      case HARDLINK:
        return new Op.Hardlink(path(in, "path"), path(in, "existing"));
      case DELETE:
        return new Op.Delete(path(in, "path"));
      case MOVE: {
        String from = path(in, "from");
        return new Op.Move(from, path(in, "path"));
      }
      case SET_META:
        return new Op.SetMeta(path(in, "path"), readMeta(in));
      default:
        throw in.error("has unknown op code " + code);
    }
  }

  static void writeMeta(WireOutput out, Meta meta) {
    out.u16("mode", meta.mode());
    out.i64(meta.mtimeNanos());
    out.i32(meta.uid());
    out.i32(meta.gid());
  }

  static Meta readMeta(WireInput in) throws ProtocolException {
    int mode = readMode(in);
    long mtime = in.i64("mtime");
    int uid = readOwner(in, "uid");
    int gid = readOwner(in, "gid");
    return new Meta(mode, mtime, uid, gid);
  }

  static int readMode(WireInput in) throws ProtocolException {
    int mode = in.u16("mode");
    if ((mode & ~07777) != 0) {
      throw in.error("has mode 0" + Integer.toOctalString(mode) + " with bits outside 07777");
    }
    return mode;
  }

  static int readOwner(WireInput in, String field) throws ProtocolException {
    int id = in.i32(field);
    if (id < Meta.NO_OWNER) {
      throw in.error("has " + field + " " + id + ", must be >= -1");
    }
    return id;
  }

  /** A path field: bounded string, then {@link RelPath#validate} (may throw UnsafePathException). */
  static String path(WireInput in, String field) throws ProtocolException {
    return RelPath.validate(in.string(field, Protocol.MAX_STRING));
  }

  static void path(WireOutput out, String field, String path) {
    out.string(field, path, Protocol.MAX_STRING);
  }

  /** A symlink target: verbatim, bounded, no NUL (the kernel would cut it there). May be empty. */
  static String linkTarget(WireInput in, String field) throws ProtocolException {
    String target = in.string(field, Protocol.MAX_STRING);
    if (target.indexOf('\0') >= 0) {
      throw in.error("has a NUL byte in " + field + " '" + printable(target) + "'");
    }
    return target;
  }

  static String name(Op op) {
    if (op instanceof Op.Mkdir) {
      return "MKDIR";
    } else if (op instanceof Op.PutFile put) {
      return put.isPatch() ? "PATCH_FILE" : "PUT_FILE";
    } else if (op instanceof Op.Symlink) {
      return "SYMLINK";
    } else if (op instanceof Op.Hardlink) {
      return "HARDLINK";
    } else if (op instanceof Op.Delete) {
      return "DELETE";
    } else if (op instanceof Op.Move) {
      return "MOVE";
    } else {
      return "SET_META";
    }
  }

  static String printable(String s) {
    return org.replicator.core.path.UnsafePathException.printable(s);
  }
}
