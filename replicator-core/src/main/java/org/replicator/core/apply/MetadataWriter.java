package org.replicator.core.apply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
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

  MetadataWriter(boolean applyOwners) {
    this.applyOwners = applyOwners;
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

  static void setMode(Path path, int mode) throws IOException {
    Files.getFileAttributeView(path, PosixFileAttributeView.class, NOFOLLOW).setPermissions(permissions(mode));
  }

  static void setMtime(Path path, long mtimeNanos) throws IOException {
    Files.getFileAttributeView(path, BasicFileAttributeView.class, NOFOLLOW)
        .setTimes(FileTime.from(mtimeNanos, TimeUnit.NANOSECONDS), null, null);
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
