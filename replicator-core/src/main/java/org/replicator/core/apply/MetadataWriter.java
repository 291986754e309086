package org.replicator.core.apply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.replicator.core.op.Meta;

/**
 * Sets mode, mtime and owner of one path, never following a symlink.
 *
 * <p>Policy: only the permission bits (0777) are applied. Setuid, setgid and sticky bits are
 * stripped, because a docroot never needs them and a compromised master must not be able to plant
 * a setuid binary on every slave. Symlinks get no mode (Linux ignores it) but do get mtime (set
 * with {@code lutimes}: microsecond precision, the nanoseconds below are lost) and owner ({@code
 * lchown}). Regular files and directories keep nanosecond mtimes where the file system does.
 */
final class MetadataWriter {
  /** The bits we apply; see the class doc for why the others are stripped. */
  static final int MODE_MASK = 0777;

  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};

  private final boolean applyOwners;
  private final java.nio.file.attribute.UserPrincipalLookupService users;

  MetadataWriter(boolean applyOwners, java.nio.file.FileSystem fs) {
    this.applyOwners = applyOwners;
    this.users = fs.getUserPrincipalLookupService();
  }

  /** Applies {@code meta} to {@code path}; {@code symlink} says what {@code path} is (lstat). */
  void apply(Path path, Meta meta, boolean symlink) throws IOException {
    // Owner first: chown may clear permission bits that the chmod below then sets.
    if (applyOwners) {
      if (meta.uid() >= 0) {
        Files.setAttribute(path, "unix:uid", meta.uid(), NOFOLLOW);
      }
      if (meta.gid() >= 0) {
        Files.setAttribute(path, "unix:gid", meta.gid(), NOFOLLOW);
      }
    }
    if (!symlink) {
      setMode(path, meta.mode());
    }
    setMtime(path, meta.mtimeNanos());
  }

  /**
   * Applies {@code meta} through a handle-relative, nofollow view of a regular file or directory.
   * Ownership mapping: the master's numeric uid and gid are applied as numbers, never looked up by
   * name on the master; a number is turned into a principal by the slave's lookup service, which
   * falls back to the number itself when no local name matches.
   */
  void apply(PosixFileAttributeView view, Path path, Meta meta) throws IOException {
    if (applyOwners) {
      if (meta.uid() >= 0) {
        view.setOwner(users.lookupPrincipalByName(Integer.toString(meta.uid())));
      }
      if (meta.gid() >= 0) {
        view.setGroup(users.lookupPrincipalByGroupName(Integer.toString(meta.gid())));
      }
    }
    view.setPermissions(permissions(meta.mode()));
    setMtime(view, path, meta.mtimeNanos());
  }

  /**
   * Sets the mtime through the handle-relative view, then, when the time has sub-microsecond
   * digits, once more by path: java.nio's handle-relative setTimes is futimes (microseconds), only
   * the path form reaches utimensat (nanoseconds). The path form is the one step after the
   * confined walk that the kernel resolves from the docroot again (docs/security.md lists it).
   */
  static void setMtime(BasicFileAttributeView view, Path path, long mtimeNanos) throws IOException {
    long settable = settableMtime(mtimeNanos);
    view.setTimes(FileTime.from(settable, TimeUnit.NANOSECONDS), null, null);
    if (settable % 1000 != 0) {
      setMtime(path, settable);
    }
  }

  /**
   * The one rule for an mtime java.nio cannot set as sent, used by every op that sets one (put,
   * mkdir, symlink, hard link, set-meta, and the directory mtimes restored at the end of a batch).
   * The JDK turns a time into seconds and a sub-second part by truncating toward zero, so a time
   * before 1970 with a sub-second part becomes a negative {@code tv_nsec}/{@code tv_usec}, which
   * the kernel refuses (EINVAL): by path the JDK then silently sets the epoch instead, through a
   * directory handle it fails. Such a time is rounded down to its whole second, the closest time
   * at or before it that can be set; the kernel then clamps it to what the file system holds
   * (ext4: 1901 to 2446), as it does for any time. Times from 1970 on are set as sent.
   */
  static long settableMtime(long mtimeNanos) {
    if (mtimeNanos >= 0 || mtimeNanos % NANOS_PER_SECOND == 0) {
      return mtimeNanos;
    }
    // Long.MIN_VALUE has no whole second at or below it in range: take the one just above.
    long seconds = Math.max(Math.floorDiv(mtimeNanos, NANOS_PER_SECOND), Long.MIN_VALUE / NANOS_PER_SECOND);
    return seconds * NANOS_PER_SECOND;
  }

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  static void setMode(SecureDirectoryStream<Path> dir, Path name, int mode) throws IOException {
    dir.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW[0]).setPermissions(permissions(mode));
  }

  static void setMode(Path path, int mode) throws IOException {
    Files.getFileAttributeView(path, PosixFileAttributeView.class, NOFOLLOW).setPermissions(permissions(mode));
  }

  static void setMtime(Path path, long mtimeNanos) throws IOException {
    Files.getFileAttributeView(path, BasicFileAttributeView.class, NOFOLLOW)
        .setTimes(FileTime.from(settableMtime(mtimeNanos), TimeUnit.NANOSECONDS), null, null);
  }

  /** The permission set for the 0777 part of {@code mode}; higher bits are dropped by policy. */
  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
    };
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(order[bit]);
      }
    }
    return set;
  }
}
