package org.replicator.agent.fs;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.replicator.core.index.EntryType;
import org.replicator.core.scan.LinkStat;
import org.replicator.core.scan.StatFields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * lstat through glibc's {@code statx(2)} wrapper, direct-mapped with JNA, into a buffer reused
 * per thread: no attribute map, no boxed numbers, no FileTime per path (issue 16: the survey of a
 * restart stats 105,050 paths). {@code struct statx} has the same layout on every architecture,
 * unlike {@code struct stat}, so one set of offsets serves all.
 *
 * <p>It answers only when the call succeeds and the kernel returned every field the entry needs;
 * anything else (absent, EACCES, ENOTDIR, a name too long, a file system without inode numbers)
 * returns false and the scanner asks nio, whose errors and rules stay the reference. Flags are
 * those of {@code lstat(2)}: {@code AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT}, synced as stat.
 *
 * <p>Thread safe: each thread has its own path and result buffers (about 4.4 KiB).
 */
public final class Statx implements LinkStat {
  private static final Logger log = LoggerFactory.getLogger(Statx.class);
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;
  private static final int AT_NO_AUTOMOUNT = 0x800;
  private static final int STATX_TYPE = 0x1;
  private static final int STATX_MODE = 0x2;
  private static final int STATX_NLINK = 0x4;
  private static final int STATX_UID = 0x8;
  private static final int STATX_GID = 0x10;
  private static final int STATX_MTIME = 0x40;
  private static final int STATX_CTIME = 0x80;
  private static final int STATX_INO = 0x100;
  private static final int STATX_SIZE = 0x200;
  /** What an entry needs; asked and required in the answer's stx_mask. */
  static final int WANTED = STATX_TYPE | STATX_MODE | STATX_NLINK | STATX_UID | STATX_GID | STATX_MTIME | STATX_CTIME
      | STATX_INO | STATX_SIZE;
  /** sizeof(struct statx). */
  private static final int STATX_BYTES = 256;
  /** PATH_MAX including the terminating NUL: a longer path is the kernel's ENAMETOOLONG, so nio's. */
  private static final int PATH_BYTES = 4096;
  // struct statx offsets (include/uapi/linux/stat.h)
  private static final int OFF_MASK = 0;
  private static final int OFF_NLINK = 16;
  private static final int OFF_UID = 20;
  private static final int OFF_GID = 24;
  private static final int OFF_MODE = 28;
  private static final int OFF_INO = 32;
  private static final int OFF_SIZE = 40;
  private static final int OFF_CTIME = 96;
  private static final int OFF_MTIME = 112;
  private static final int S_IFMT = 0170000;
  private static final int S_IFREG = 0100000;
  private static final int S_IFDIR = 0040000;
  private static final int S_IFLNK = 0120000;

  private static native int statx(int dirfd, Pointer path, int flags, int mask, Pointer buf);

  private static final class Buffers {
    final Memory path = new Memory(PATH_BYTES);
    final ByteBuffer pathView = path.getByteBuffer(0, PATH_BYTES);
    final Memory result = new Memory(STATX_BYTES);
    final ByteBuffer resultView = result.getByteBuffer(0, STATX_BYTES).order(ByteOrder.nativeOrder());
  }

  private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

  private Statx() {}

  /**
   * The native lstat when it works here (Linux with glibc 2.28+, JNA loadable, file names in
   * UTF-8, a statx of "/" answering every field); otherwise null and a DEBUG line saying why: the
   * scanner then uses nio, as before.
   */
  public static LinkStat ifAvailable() {
    // Path.toString() decodes names with sun.jnu.encoding; only with UTF-8 do its bytes come back.
    String jnu = System.getProperty("sun.jnu.encoding", "");
    if (!isUtf8(jnu)) {
      log.debug("event=native-stat-off reason=\"file names are decoded as {}, not UTF-8\"", jnu);
      return null;
    }
    try {
      Loaded.check();
      Statx statx = new Statx();
      if (!statx.lstat(Path.of("/"), new StatFields())) {
        log.debug("event=native-stat-off reason=\"statx of / did not answer every field\"");
        return null;
      }
      return statx;
    } catch (LinkageError | RuntimeException e) {
      log.debug("event=native-stat-off reason=\"{}\"", e.toString());
      return null;
    }
  }

  private static boolean isUtf8(String name) {
    try {
      return Charset.forName(name).equals(StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Registers the native method once; a LinkageError here means no statx (old glibc) or no JNA. */
  private static final class Loaded {
    static {
      Native.register(Statx.class, NativeLibrary.getInstance("c"));
    }

    static void check() {}
  }

  @Override
  public boolean lstat(Path file, StatFields into) {
    Buffers b = buffers.get();
    if (!encode(file.toString(), b.pathView)) {
      return false;
    }
    if (statx(AT_FDCWD, b.path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, WANTED, b.result) != 0) {
      return false;
    }
    ByteBuffer r = b.resultView;
    if ((r.getInt(OFF_MASK) & WANTED) != WANTED) {
      return false;
    }
    int mode = Short.toUnsignedInt(r.getShort(OFF_MODE));
    into.type = switch (mode & S_IFMT) {
      case S_IFREG -> EntryType.FILE;
      case S_IFDIR -> EntryType.DIR;
      case S_IFLNK -> EntryType.SYMLINK;
      default -> null;
    };
    into.size = r.getLong(OFF_SIZE);
    into.mtimeNanos = StatFields.nanos(r.getLong(OFF_MTIME), r.getInt(OFF_MTIME + 8));
    into.ctimeNanos = StatFields.nanos(r.getLong(OFF_CTIME), r.getInt(OFF_CTIME + 8));
    into.mode = mode & 07777;
    into.inode = r.getLong(OFF_INO);
    into.nlink = r.getInt(OFF_NLINK);
    into.uid = r.getInt(OFF_UID);
    into.gid = r.getInt(OFF_GID);
    return true;
  }

  /**
   * The path's UTF-8 bytes and a NUL into {@code out}; false when it does not fit or holds a NUL
   * (nio refuses such a path itself).
   */
  private static boolean encode(String path, ByteBuffer out) {
    out.clear();
    int n = path.length();
    int i = 0;
    // ASCII, the usual case, byte by byte without an intermediate array.
    for (; i < n && i < PATH_BYTES - 1; i++) {
      char c = path.charAt(i);
      if (c >= 0x80) {
        break;
      }
      if (c == 0) {
        return false;
      }
      out.put((byte) c);
    }
    if (i < n) {
      if (i == PATH_BYTES - 1) {
        return false;
      }
      byte[] rest = path.substring(i).getBytes(StandardCharsets.UTF_8);
      if (out.remaining() < rest.length + 1) {
        return false;
      }
      for (byte x : rest) {
        if (x == 0) {
          return false;
        }
      }
      out.put(rest);
    }
    out.put((byte) 0);
    return true;
  }
}
