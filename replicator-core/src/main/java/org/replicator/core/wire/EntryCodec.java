package org.replicator.core.wire;

import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;

/**
 * Bytes ↔ {@link Entry} inside a MANIFEST_ENTRIES frame. Every field of the entry travels, even
 * the node-local ones (inode, nlink, ctime), so that a manifest can be stored and compared as-is;
 * the master ignores what only makes sense on the slave.
 */
final class EntryCodec {
  /** Fixed part of an entry: everything except the two strings' bytes (their u16 lengths included). */
  static final int FIXED_BYTES = 2 + 1 + 8 + 8 + 2 + 4 + 4 + 8 + 2 + 8 + 4 + 8;

  private EntryCodec() {}

  static int size(Entry e) {
    return FIXED_BYTES - 4 + WireOutput.stringSize(e.path()) + WireOutput.stringSize(e.linkTarget());
  }

  static void write(WireOutput out, Entry e) {
    OpCodec.path(out, "path", e.path());
    out.u8(e.type().code());
    out.i64(e.size());
    out.i64(e.mtimeNanos());
    out.u16("mode", e.mode());
    out.i32(e.uid());
    out.i32(e.gid());
    out.i64(e.hash());
    out.string("linkTarget", e.linkTarget(), Protocol.MAX_STRING);
    out.i64(e.inode());
    out.i32(e.nlink());
    out.i64(e.ctimeNanos());
  }

  static Entry read(WireInput in) throws ProtocolException {
    String path = OpCodec.path(in, "path");
    int typeCode = in.u8("entry type");
    if (typeCode >= EntryType.values().length) {
      throw in.error("has unknown entry type " + typeCode + " for '" + OpCodec.printable(path) + "'");
    }
    EntryType type = EntryType.ofCode(typeCode);
    long size = in.range("size", 0, Protocol.MAX_FILE_SIZE);
    long mtime = in.i64("mtime");
    int mode = OpCodec.readMode(in);
    int uid = OpCodec.readOwner(in, "uid");
    int gid = OpCodec.readOwner(in, "gid");
    long hash = in.i64("hash");
    String target = OpCodec.linkTarget(in, "linkTarget");
    if (type == EntryType.SYMLINK && target.isEmpty()) {
      throw in.error("has symlink '" + OpCodec.printable(path) + "' with an empty target");
    }
    if (type != EntryType.SYMLINK && !target.isEmpty()) {
      throw in.error("has " + type + " '" + OpCodec.printable(path) + "' with a link target");
    }
    long inode = in.i64("inode");
    int nlink = in.i32("nlink");
    if (nlink < 0) {
      throw in.error("has nlink " + nlink + " for '" + OpCodec.printable(path) + "'");
    }
    long ctime = in.i64("ctime");
    return new Entry(path, type, size, mtime, mode, uid, gid, hash, target, inode, nlink, ctime);
  }
}
