package org.replicator.agent.watch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Counts the inotify watches this process holds, as the kernel sees them: one {@code inotify wd:}
 * line per watch in {@code /proc/self/fdinfo/<fd>} of each inotify descriptor. That is the number
 * that counts against {@code fs.inotify.max_user_watches}, whatever directory-watcher believes it
 * registered (it exposes no count). Linux only; -1 where {@code /proc} does not tell.
 *
 * <p>Reading costs about one line per watched directory, so callers cache it ({@link
 * #count(long)}). Thread-safe.
 */
public final class InotifyWatches {
  static final long CACHE_NANOS = 10_000_000_000L;
  private static final Path FD = Path.of("/proc/self/fd");
  private static final Path FDINFO = Path.of("/proc/self/fdinfo");
  static final Path LIMIT = Path.of("/proc/sys/fs/inotify/max_user_watches");
  /** Longer than any sysctl number; the whole value comes in the first read. */
  private static final int MAX_SYSCTL_BYTES = 64;

  private long cached = -1;
  private long cachedAt;
  private boolean fresh;

  /** The count, read again when older than 10 s. */
  public synchronized long count(long nowNanos) {
    if (!fresh || nowNanos - cachedAt > CACHE_NANOS) {
      cached = read();
      cachedAt = nowNanos;
      fresh = true;
    }
    return cached;
  }

  /** {@code fs.inotify.max_user_watches}, -1 when unknown. */
  public static long limit() {
    return readSysctl(LIMIT);
  }

  /**
   * The number in a sysctl file such as {@code /proc/sys/fs/inotify/max_user_watches}, -1 when it
   * cannot be read or is not a number.
   *
   * <p>Why not {@code Files.readString}: a /proc/sys file reports size 0, so the JDK reads it
   * with a zero-length buffer, then one byte, then asks again from offset 1, and the kernel's
   * sysctl handler answers any read at a non-zero offset with end of file: 192543 came back as
   * "1". One read from offset 0 into a buffer large enough gets the whole value.
   */
  static long readSysctl(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[MAX_SYSCTL_BYTES];
      int n = in.read(buf);
      if (n <= 0) {
        return -1;
      }
      return Long.parseLong(new String(buf, 0, n, StandardCharsets.US_ASCII).trim());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  static long read() {
    long watches = 0;
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(FD)) {
      for (Path fd : fds) {
        if (isInotify(fd)) {
          watches += countWatches(FDINFO.resolve(fd.getFileName().toString()));
        }
      }
      return watches;
    } catch (IOException | UnsupportedOperationException e) {
      return -1;
    }
  }

  private static boolean isInotify(Path fd) {
    try {
      return Files.readSymbolicLink(fd).toString().equals("anon_inode:inotify");
    } catch (IOException | UnsupportedOperationException e) {
      return false; // closed meanwhile, or not a link: not ours to count
    }
  }

  private static long countWatches(Path fdinfo) {
    long n = 0;
    try (BufferedReader r = Files.newBufferedReader(fdinfo, StandardCharsets.US_ASCII)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.startsWith("inotify wd:")) {
          n++;
        }
      }
    } catch (IOException e) {
      return 0; // the descriptor closed between listing and reading
    }
    return n;
  }
}
