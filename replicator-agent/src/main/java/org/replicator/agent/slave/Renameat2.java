package org.replicator.agent.slave;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.replicator.core.apply.DirectorySwap;

/**
 * {@code renameat2(..., RENAME_EXCHANGE)}: two directories of one file system trade places in
 * one step, which the JDK cannot do. Reached with JNA through glibc's wrapper (2.28 and later;
 * Debian 12 ships 2.36); JNA is already loaded for the inotify binding.
 *
 * <p>{@link #exchange} answers false, never throws, where the exchange is not available: glibc
 * without the wrapper or JNA unable to load libc ({@link UnsatisfiedLinkError}), a kernel without
 * the syscall ({@code ENOSYS}), a file system that does not support the flag ({@code EINVAL},
 * e.g. overlayfs before 5.x on some configurations, NFS). ext4, xfs, btrfs and tmpfs support it.
 * Other errors (a path gone, permission) are thrown with the path and errno.
 */
public final class Renameat2 implements DirectorySwap.Exchanger {
  private static final int AT_FDCWD = -100;
  private static final int RENAME_EXCHANGE = 1 << 1;
  private static final int ENOSYS = 38;
  private static final int EINVAL = 22;
  private static final int EOPNOTSUPP = 95;

  interface LibC extends Library {
    int renameat2(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags) throws LastErrorException;
  }

  private static final class Holder {
    static final LibC LIBC = load();

    private static LibC load() {
      try {
        return Native.load("c", LibC.class);
      } catch (UnsatisfiedLinkError e) {
        return null;
      }
    }
  }

  @Override
  public boolean exchange(Path a, Path b) throws IOException {
    LibC libc = Holder.LIBC;
    if (libc == null) {
      return false;
    }
    try {
      libc.renameat2(AT_FDCWD, cString(a), AT_FDCWD, cString(b), RENAME_EXCHANGE);
      return true;
    } catch (UnsatisfiedLinkError e) {
      return false; // glibc older than 2.28: no wrapper
    } catch (LastErrorException e) {
      int errno = e.getErrorCode();
      if (errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP) {
        return false;
      }
      throw new IOException("exchanging " + a + " and " + b + " failed: errno " + errno + " (" + e.getMessage() + ")");
    }
  }

  private static byte[] cString(Path p) {
    byte[] s = p.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8);
    byte[] z = new byte[s.length + 1];
    System.arraycopy(s, 0, z, 0, s.length);
    return z;
  }
}
