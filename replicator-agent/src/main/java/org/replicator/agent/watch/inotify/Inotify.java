package org.replicator.agent.watch.inotify;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * One inotify instance reached through JNA (glibc's {@code inotify_init1}, {@code
 * inotify_add_watch}, {@code inotify_rm_watch}, {@code poll}, {@code read}, {@code close}): the
 * kernel's own events, with {@code IN_CLOSE_WRITE} and the rename cookie that the JDK's
 * WatchService drops.
 *
 * <p>The descriptor is non-blocking and close-on-exec; {@link #read} waits in {@code poll(2)} with
 * a timeout, so the reader thread notices {@link #close} within that timeout without a wake-up
 * descriptor. Threads: {@link #addWatch} and {@link #removeWatch} may be called from any thread
 * (the kernel serialises them); {@link #read} from one reader thread; {@link #close} once, after
 * the reader has stopped (closing under a running {@code poll} could let the number be reused).
 */
public final class Inotify implements AutoCloseable {
  /** Large enough for a few thousand events per read (each is 16 bytes plus a padded name). */
  public static final int BUFFER_BYTES = 64 * 1024;
  private static final int EAGAIN = 11;
  private static final int EINTR = 4;
  private static final short POLLIN = 0x1;

  /** glibc, loaded once; the constructor throws if JNA or the library is unavailable. */
  interface LibC extends Library {
    int inotify_init1(int flags) throws LastErrorException;

    int inotify_add_watch(int fd, byte[] pathname, int mask) throws LastErrorException;

    int inotify_rm_watch(int fd, int wd) throws LastErrorException;

    NativeLong read(int fd, ByteBuffer buf, NativeLong count) throws LastErrorException;

    int poll(Pointer fds, NativeLong nfds, int timeout) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    String strerror(int errnum);
  }

  private static final class Holder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }

  private final LibC libc;
  private final int fd;
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.nativeOrder());
  /** struct pollfd { int fd; short events; short revents; } */
  private final Memory pollfd = new Memory(8);
  private volatile boolean closed;

  private Inotify(LibC libc, int fd) {
    this.libc = libc;
    this.fd = fd;
    pollfd.setInt(0, fd);
    pollfd.setShort(4, POLLIN);
  }

  /**
   * A new instance. Throws IOException with the kernel's reason when inotify is refused (e.g.
   * {@code fs.inotify.max_user_instances} reached), and UnsatisfiedLinkError/NoClassDefFoundError
   * style errors (wrapped in IOException) when JNA or glibc cannot be loaded.
   */
  public static Inotify open() throws IOException {
    LibC libc;
    try {
      libc = Holder.LIBC;
    } catch (LinkageError e) {
      throw new IOException("cannot load the C library through JNA: " + e.getMessage(), e);
    }
    try {
      int fd = libc.inotify_init1(InotifyMask.IN_NONBLOCK | InotifyMask.IN_CLOEXEC);
      return new Inotify(libc, fd);
    } catch (LastErrorException e) {
      throw new IOException("inotify_init1 failed: " + reason(libc, e), e);
    }
  }

  /** Watches directory {@code dir} with {@code mask}; returns the watch descriptor. */
  public int addWatch(Path dir, int mask) throws IOException {
    byte[] name = (dir.toString() + '\0').getBytes(StandardCharsets.UTF_8);
    try {
      return libc.inotify_add_watch(fd, name, mask);
    } catch (LastErrorException e) {
      throw new WatchException(dir, e.getErrorCode(), "cannot watch " + dir + ": " + reason(libc, e));
    }
  }

  /** Stops a watch; the kernel then queues an IN_IGNORED for it. False when it was already gone. */
  public boolean removeWatch(int wd) {
    try {
      libc.inotify_rm_watch(fd, wd);
      return true;
    } catch (LastErrorException e) {
      return false; // EINVAL: the kernel dropped it already (directory deleted), IN_IGNORED is on its way
    }
  }

  /**
   * Waits up to {@code timeoutMillis} for events and returns them, read into a buffer reused by
   * the next call (position 0, limit = bytes read); an empty buffer when none arrived in time or
   * the instance is closed.
   */
  public ByteBuffer read(int timeoutMillis) throws IOException {
    buffer.clear().limit(0);
    if (closed) {
      return buffer;
    }
    try {
      int ready = libc.poll(pollfd, new NativeLong(1), timeoutMillis);
      if (ready <= 0) {
        return buffer;
      }
      long n = libc.read(fd, buffer.clear(), new NativeLong(BUFFER_BYTES)).longValue();
      buffer.position(0).limit((int) Math.max(0, n));
      return buffer;
    } catch (LastErrorException e) {
      buffer.clear().limit(0);
      if (e.getErrorCode() == EAGAIN || e.getErrorCode() == EINTR) {
        return buffer;
      }
      throw new IOException("reading inotify events failed: " + reason(libc, e), e);
    }
  }

  public boolean isClosed() {
    return closed;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      try {
        libc.close(fd);
      } catch (LastErrorException e) {
        // Nothing to do: the descriptor is gone either way, and so are its watches.
      }
    }
  }

  private static String reason(LibC libc, LastErrorException e) {
    String text;
    try {
      text = libc.strerror(e.getErrorCode());
    } catch (RuntimeException | LinkageError ignored) {
      text = null; // the errno alone still says it
    }
    return (text == null ? "error" : text) + " (errno " + e.getErrorCode() + ")";
  }

  /** A watch that could not be added, with the errno (ENOSPC: out of watches; ENOENT/ENOTDIR: gone or replaced). */
  public static final class WatchException extends IOException {
    private static final long serialVersionUID = 1L;
    public static final int ENOENT = 2;
    public static final int ENOTDIR = 20;
    public static final int ENOSPC = 28;
    private final transient Path dir;
    private final int errno;

    WatchException(Path dir, int errno, String message) {
      super(message);
      this.dir = dir;
      this.errno = errno;
    }

    public Path dir() {
      return dir;
    }

    public int errno() {
      return errno;
    }

    /** The directory vanished or stopped being one between its listing and the watch: not a failure. */
    public boolean isGone() {
      return errno == ENOENT || errno == ENOTDIR;
    }
  }
}
