package org.replicator.agent.watch.inotify;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.replicator.core.plan.WriterCheck;

/**
 * Whether any process has a file open for writing, asked of the kernel without scanning /proc:
 * a read lease ({@code fcntl(F_SETLEASE, F_RDLCK)}) is refused with EAGAIN while the file is open
 * for writing anywhere, and granted (then released at once) otherwise. Needs the file's owner or
 * CAP_LEASE (the agent as root has it) and {@code fs.leases-enable=1} (the default); where the
 * kernel refuses for another reason, the answer is "cannot tell" and the planner falls back to
 * its quiet-time rule. Thread-safe (no state).
 *
 * <p>The lease is held for two system calls. A writer that opens the file in between blocks
 * until it is released (microseconds), and the kernel signals the lease holder: SIGIO by
 * default, whose default action would end the JVM. So the descriptor's signal is set to SIGURG
 * first ({@code F_SETSIG}), which the JVM leaves at its default: ignored.
 */
public final class LeaseWriterCheck implements WriterCheck {
  private static final int O_RDONLY = 0;
  private static final int O_NONBLOCK = 0x800;
  private static final int O_CLOEXEC = 0x80000;
  private static final int F_SETSIG = 10;
  private static final int SIGURG = 23;
  private static final int F_SETLEASE = 1024;
  private static final int F_RDLCK = 0;
  private static final int F_UNLCK = 2;
  private static final int EAGAIN = 11;

  interface LibC extends Library {
    int open(byte[] path, int flags) throws LastErrorException;

    int fcntl(int fd, int cmd, int arg) throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  private static final class Holder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }

  private final Path root;

  public LeaseWriterCheck(Path root) {
    this.root = root;
  }

  @Override
  public Boolean openForWriting(String path) {
    byte[] name = (root.resolve(path).toString() + '\0').getBytes(StandardCharsets.UTF_8);
    LibC libc;
    try {
      libc = Holder.LIBC;
    } catch (LinkageError e) {
      return null; // no JNA: the source would not be inotify either
    }
    int fd;
    try {
      fd = libc.open(name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    } catch (LastErrorException e) {
      return null; // gone or unreadable: the planner's own read reports it
    }
    try {
      libc.fcntl(fd, F_SETSIG, SIGURG);
    } catch (LastErrorException e) {
      close(libc, fd);
      return null; // without a harmless signal, no lease
    }
    try {
      libc.fcntl(fd, F_SETLEASE, F_RDLCK);
      libc.fcntl(fd, F_SETLEASE, F_UNLCK);
      return Boolean.FALSE;
    } catch (LastErrorException e) {
      return e.getErrorCode() == EAGAIN ? Boolean.TRUE : null;
    } finally {
      close(libc, fd);
    }
  }

  private static void close(LibC libc, int fd) {
    try {
      libc.close(fd);
    } catch (LastErrorException e) {
      // Closing a read-only descriptor cannot lose data; nothing to do.
    }
  }
}
