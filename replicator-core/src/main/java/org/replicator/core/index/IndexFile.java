package org.replicator.core.index;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;
import org.replicator.core.path.RelPath;
import org.replicator.core.path.UnsafePathException;

/**
 * The on-disk format of an {@link Index}. All integers big-endian ({@link DataOutputStream});
 * "varint" is unsigned LEB128, "zigzag" is a signed varint.
 *
 * <pre>
 * header   "RPLX" (4 bytes) · version int (= 1) · entry count int · tree digest long
 * entry    shared prefix varint (UTF-8 bytes in common with the previous path)
 *          · suffix length varint · suffix bytes
 *          · type byte · size varint · mtimeNanos long · mode varint · uid zigzag · gid zigzag
 *          · hash long · link target length varint · link target bytes
 *          · inode varint · nlink varint · ctimeNanos long
 * trailer  CRC32C int over every byte before it
 * </pre>
 *
 * Entries are in index order, so paths are strictly increasing; a loader checks that, every
 * path ({@link RelPath#validate}), the lengths (before allocating), the CRC, that nothing follows
 * the trailer, and that the digest it recomputes equals the stored one. About 60 bytes per entry
 * for WordPress trees thanks to prefix sharing.
 */
final class IndexFile {
  static final byte[] MAGIC = {'R', 'P', 'L', 'X'};
  static final int VERSION = 1;
  private static final int MAX_LINK_BYTES = 4096;

  private IndexFile() {}

  static void save(Index index, Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp = Files.createTempFile(dir, file.getFileName() + ".", ".tmp");
    boolean done = false;
    try {
      try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        OutputStream raw = Channels.newOutputStream(channel);
        CheckedOutputStream checked = new CheckedOutputStream(new BufferedOutputStream(raw, 1 << 16), new CRC32C());
        DataOutputStream out = new DataOutputStream(checked);
        write(index, out);
        out.writeInt((int) checked.getChecksum().getValue());
        out.flush();
        channel.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      done = true;
    } finally {
      if (!done) {
        Files.deleteIfExists(tmp);
      }
    }
    fsyncDirectory(dir);
  }

  private static void write(Index index, DataOutputStream out) throws IOException {
    out.write(MAGIC);
    out.writeInt(VERSION);
    out.writeInt(index.size());
    out.writeLong(index.digest());
    byte[] previous = new byte[0];
    for (Entry e : index.map().values()) {
      byte[] path = e.path().getBytes(StandardCharsets.UTF_8);
      int shared = commonPrefix(previous, path);
      writeVarLong(out, shared);
      writeVarLong(out, path.length - shared);
      out.write(path, shared, path.length - shared);
      out.writeByte(e.type().code());
      writeVarLong(out, e.size());
      out.writeLong(e.mtimeNanos());
      writeVarLong(out, e.mode() & 0xFFFFFFFFL);
      writeVarLong(out, zigzag(e.uid()));
      writeVarLong(out, zigzag(e.gid()));
      out.writeLong(e.hash());
      byte[] link = e.linkTarget().getBytes(StandardCharsets.UTF_8);
      writeVarLong(out, link.length);
      out.write(link);
      writeVarLong(out, e.inode());
      writeVarLong(out, e.nlink() & 0xFFFFFFFFL);
      out.writeLong(e.ctimeNanos());
      previous = path;
    }
  }

  static Index load(Path file) throws IOException {
    // NoSuchFileException passes through unwrapped: the caller decides what a missing index means.
    InputStream raw = Files.newInputStream(file);
    int count = -1;
    int read = 0;
    try (InputStream closing = raw) {
      IndexInput in = new IndexInput(closing);
      byte[] magic = new byte[MAGIC.length];
      in.readFully(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new CorruptIndexException(file, "is not an index file (bad magic number)");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new CorruptIndexException(file, "has format version " + version + "; this build reads version " + VERSION);
      }
      count = in.readInt();
      if (count < 0) {
        throw new CorruptIndexException(file, "is corrupt: negative entry count " + count);
      }
      long storedDigest = in.readLong();
      // Collected, then built in one linear pass (Index.ofChecked); the count is not trusted for sizing.
      List<Entry> entries = new ArrayList<>(Math.min(count, 1 << 16));
      byte[] previous = new byte[0];
      String previousPath = null;
      for (; read < count; read++) {
        int shared = (int) readLength(in, previous.length, file, "shared prefix");
        int suffix = (int) readLength(in, RelPath.MAX_BYTES - shared, file, "path length");
        byte[] pathBytes = Arrays.copyOf(previous, shared + suffix);
        in.readFully(pathBytes, shared, suffix);
        String path = new String(pathBytes, StandardCharsets.UTF_8);
        if (previousPath != null && path.compareTo(previousPath) <= 0) {
          throw new CorruptIndexException(file, "is corrupt: entry " + read + " is out of order");
        }
        EntryType type;
        try {
          type = EntryType.ofCode(in.readUnsignedByte());
        } catch (IllegalArgumentException e) {
          throw new CorruptIndexException(file, "is corrupt at entry " + read + ": " + e.getMessage(), e);
        }
        long size = readVarLong(in, file);
        long mtime = in.readLong();
        int mode = (int) readVarLong(in, file);
        int uid = unzigzag(readVarLong(in, file));
        int gid = unzigzag(readVarLong(in, file));
        long hash = in.readLong();
        int linkLength = (int) readLength(in, MAX_LINK_BYTES, file, "link target length");
        String link = "";
        if (linkLength > 0) {
          byte[] linkBytes = new byte[linkLength];
          in.readFully(linkBytes);
          link = new String(linkBytes, StandardCharsets.UTF_8);
        }
        long inode = readVarLong(in, file);
        int nlink = (int) readVarLong(in, file);
        long ctime = in.readLong();
        try {
          RelPath.validate(path);
          entries.add(new Entry(path, type, size, mtime, mode, uid, gid, hash, link, inode, nlink, ctime));
        } catch (UnsafePathException e) {
          throw new CorruptIndexException(file, "is corrupt at entry " + read + ": " + e.getMessage(), e);
        }
        previous = pathBytes;
        previousPath = path;
      }
      int computedCrc = in.crcOfConsumed();
      int storedCrc = in.readInt();
      if (computedCrc != storedCrc) {
        throw new CorruptIndexException(file, "is corrupt: checksum "
            + Integer.toHexString(computedCrc) + " does not match the stored " + Integer.toHexString(storedCrc));
      }
      if (in.read() != -1) {
        throw new CorruptIndexException(file, "is corrupt: bytes follow the trailer");
      }
      Index index = Index.ofChecked(entries);
      if (index.digest() != storedDigest) {
        throw new CorruptIndexException(file, "is corrupt: tree digest " + Long.toHexString(index.digest())
            + " does not match the stored " + Long.toHexString(storedDigest));
      }
      return index;
    } catch (EOFException e) {
      String where = count < 0 ? "in its header" : "after " + read + " of " + count + " entries";
      throw new CorruptIndexException(file, "is truncated " + where, e);
    } catch (CorruptIndexException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("cannot read index file " + file + ": " + e.getMessage(), e);
    }
  }

  /** Makes the rename durable. Only the default file system has directories we can fsync. */
  private static void fsyncDirectory(Path dir) throws IOException {
    if (dir.getFileSystem() != FileSystems.getDefault()) {
      return;
    }
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  private static int commonPrefix(byte[] a, byte[] b) {
    int n = Math.min(a.length, b.length);
    int i = Arrays.mismatch(a, 0, n, b, 0, n);
    return i < 0 ? n : i;
  }

  private static long readLength(IndexInput in, int max, Path file, String what) throws IOException {
    long v = readVarLong(in, file);
    if (v < 0 || v > max) {
      throw new CorruptIndexException(file, "is corrupt: " + what + " " + v + " is outside 0.." + max);
    }
    return v;
  }

  static void writeVarLong(DataOutputStream out, long v) throws IOException {
    while ((v & ~0x7FL) != 0) {
      out.writeByte((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.writeByte((int) v);
  }

  static long readVarLong(IndexInput in, Path file) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.readUnsignedByte();
      v |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new CorruptIndexException(file, "is corrupt: a variable-length number runs past 10 bytes");
  }

  private static long zigzag(int v) {
    return ((long) v << 1) ^ ((long) v >> 63);
  }

  private static int unzigzag(long v) {
    return (int) ((v >>> 1) ^ -(v & 1));
  }
}
