package org.replicator.agent.watch.inotify;

import java.util.ArrayList;
import java.util.List;

/**
 * The bits of {@code struct inotify_event.mask} and of {@code inotify_add_watch}'s mask, from
 * {@code <sys/inotify.h>} (stable kernel ABI since 2.6.13; {@code IN_EXCL_UNLINK} since 2.6.36).
 */
public final class InotifyMask {
  public static final int IN_ACCESS = 0x00000001;
  /** A write (or truncate) through an open descriptor: the file is being written. */
  public static final int IN_MODIFY = 0x00000002;
  public static final int IN_ATTRIB = 0x00000004;
  /** A descriptor opened for writing was closed: the writer is done (with that descriptor). */
  public static final int IN_CLOSE_WRITE = 0x00000008;
  public static final int IN_CLOSE_NOWRITE = 0x00000010;
  public static final int IN_OPEN = 0x00000020;
  public static final int IN_MOVED_FROM = 0x00000040;
  public static final int IN_MOVED_TO = 0x00000080;
  public static final int IN_CREATE = 0x00000100;
  public static final int IN_DELETE = 0x00000200;
  public static final int IN_DELETE_SELF = 0x00000400;
  public static final int IN_MOVE_SELF = 0x00000800;
  public static final int IN_UNMOUNT = 0x00002000;
  public static final int IN_Q_OVERFLOW = 0x00004000;
  public static final int IN_IGNORED = 0x00008000;
  public static final int IN_ONLYDIR = 0x01000000;
  public static final int IN_DONT_FOLLOW = 0x02000000;
  public static final int IN_EXCL_UNLINK = 0x04000000;
  public static final int IN_ISDIR = 0x40000000;

  public static final int IN_NONBLOCK = 0x800; // O_NONBLOCK
  public static final int IN_CLOEXEC = 0x80000; // O_CLOEXEC

  /**
   * What we watch on every directory. No IN_OPEN/IN_ACCESS (reads are not changes); IN_MODIFY
   * so that a file open for writing is known as such until its IN_CLOSE_WRITE. IN_ONLYDIR and
   * IN_DONT_FOLLOW: a path that was replaced by a file or a symlink between our listing and the
   * add is refused rather than watched through the link; IN_EXCL_UNLINK: no events for files
   * unlinked while still open (a PHP session or temp file written after its unlink).
   */
  public static final int DIRECTORY_WATCH = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO
      | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK;

  private static final String[] NAMES = {
      "ACCESS", "MODIFY", "ATTRIB", "CLOSE_WRITE", "CLOSE_NOWRITE", "OPEN", "MOVED_FROM", "MOVED_TO",
      "CREATE", "DELETE", "DELETE_SELF", "MOVE_SELF", null, "UNMOUNT", "Q_OVERFLOW", "IGNORED"};

  private InotifyMask() {}

  /** "CREATE|ISDIR" and the like, for logs and test messages. */
  public static String describe(int mask) {
    List<String> parts = new ArrayList<>();
    for (int bit = 0; bit < NAMES.length; bit++) {
      if ((mask & (1 << bit)) != 0 && NAMES[bit] != null) {
        parts.add(NAMES[bit]);
      }
    }
    if ((mask & IN_ISDIR) != 0) {
      parts.add("ISDIR");
    }
    return parts.isEmpty() ? "0x" + Integer.toHexString(mask) : String.join("|", parts);
  }
}
