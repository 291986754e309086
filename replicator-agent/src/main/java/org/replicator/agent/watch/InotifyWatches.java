package org.replicator.agent.watch;

import java.io.BufferedReader;
import java.io.IOException;
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
  private static final Path LIMIT = Path.of("/proc/sys/fs/inotify/max_user_watches");

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
    try {
      return Long.parseLong(Files.readString(LIMIT, StandardCharsets.US_ASCII).trim());
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
