package org.replicator.agent.watch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * Tells the watcher's walk which directories hold no subdirectory, so that it lists them without
 * an lstat per entry: a docroot of 100,000 files in 5,000 directories needs 5,000 watches, not
 * 105,000 lstats to find them (issue 16, docs/benchmarks.md).
 *
 * <p>The rule is find(1)'s leaf optimisation: on ext4, xfs, tmpfs and most Unix file systems a
 * directory's link count is 2 plus its number of subdirectories (each one's ".." links to it), so
 * a count of 2 means none. Btrfs (always 1) and some network and FUSE file systems do not keep
 * that count. So the rule is trusted only once the docroot's own count was found right (its
 * subdirectories counted, by lstat, while it was listed), and only on the docroot's file system:
 * a directory on another mount (another {@code st_dev}) is walked entry by entry.
 *
 * <p>Why no directory is missed: the walk adds a directory's watch before it asks here. A
 * subdirectory made after the count was read is reported by that watch ({@code IN_CREATE}); one
 * made before raised the count above 2.
 *
 * <p>Not thread safe: the walk's thread (the caller of {@code start}, then the watch reader).
 */
final class LeafDirectories {
  private boolean trusted;
  private long rootDev;

  /** The link count and device of {@code dir}, or null when they cannot be read (then: no shortcut). */
  static long[] countAndDevice(Path dir) {
    try {
      Map<String, Object> a = Files.readAttributes(dir, "unix:nlink,dev", LinkOption.NOFOLLOW_LINKS);
      return new long[] {((Number) a.get("nlink")).longValue(), ((Number) a.get("dev")).longValue()};
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return null; // not a Unix file system, or gone: the walk lstats every entry
    }
  }

  /**
   * The docroot was listed: {@code before} is what {@link #countAndDevice} read before the
   * listing, {@code subdirectories} how many of its entries an lstat found to be directories.
   */
  void rootListed(long[] before, int subdirectories) {
    trusted = before != null && before[0] >= 2 && before[0] == 2L + subdirectories;
    rootDev = before == null ? 0 : before[1];
  }

  /** True when {@code dir} (watched already) has no subdirectory, as far as its link count can tell. */
  boolean isLeaf(Path dir) {
    if (!trusted) {
      return false;
    }
    long[] now = countAndDevice(dir);
    return now != null && now[1] == rootDev && now[0] == 2;
  }

  boolean trusted() {
    return trusted;
  }
}
