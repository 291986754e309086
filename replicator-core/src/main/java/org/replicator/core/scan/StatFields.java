package org.replicator.core.scan;

import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;

/**
 * The fields of one lstat that an {@link Entry} holds, in the entry's units (mode without the
 * type bits, times in nanoseconds since the epoch), in a mutable holder that a walk reuses for
 * every path: an unchanged file then costs no object at all (see {@link #sameAs}).
 *
 * <p>Not thread safe: one per walk or per call.
 */
public final class StatFields {
  /** FILE, DIR or SYMLINK; null for a device, FIFO or socket. */
  public EntryType type;
  /** As lstat reports it, whatever the type ({@link Scanner} keeps it for files only). */
  public long size;
  public long mtimeNanos;
  /** Permission bits and setuid/setgid/sticky ({@code st_mode & 07777}). */
  public int mode;
  public long inode;
  public int nlink;
  public int uid;
  public int gid;
  public long ctimeNanos;

  /**
   * Nanoseconds since the epoch of a (seconds, nanoseconds) time, saturated at the long's ends
   * (FileTime.to(NANOSECONDS) also saturates, but silently at odd points); the one rule for both
   * the nio and the native lstat.
   */
  public static long nanos(long seconds, int nanoseconds) {
    try {
      return Math.addExact(Math.multiplyExact(seconds, 1_000_000_000L), nanoseconds);
    } catch (ArithmeticException e) {
      return seconds < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /**
   * True when a file's entry built from these fields, with {@code uid}/{@code gid} as given (the
   * scanner's owners rule) and {@code previous}'s hash, would equal {@code previous} (path aside):
   * then {@code previous} itself stands for the file.
   */
  boolean sameAs(Entry previous, int entryUid, int entryGid) {
    return previous.type() == EntryType.FILE
        && type == EntryType.FILE
        && previous.size() == size
        && previous.mtimeNanos() == mtimeNanos
        && previous.ctimeNanos() == ctimeNanos
        && previous.inode() == inode
        && previous.mode() == mode
        && previous.nlink() == nlink
        && previous.uid() == entryUid
        && previous.gid() == entryGid
        && previous.linkTarget().isEmpty();
  }
}
