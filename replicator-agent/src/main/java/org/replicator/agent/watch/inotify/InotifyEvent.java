package org.replicator.agent.watch.inotify;

/**
 * One {@code struct inotify_event} as the kernel wrote it.
 *
 * @param wd the watch it came through; -1 for {@code IN_Q_OVERFLOW}
 * @param mask {@link InotifyMask} bits
 * @param cookie pairs an {@code IN_MOVED_FROM} with its {@code IN_MOVED_TO}; 0 otherwise
 * @param name the entry's name inside the watched directory; "" for an event on the directory
 *     itself (IN_DELETE_SELF, IN_IGNORED, IN_ATTRIB of the directory, ...)
 */
public record InotifyEvent(int wd, int mask, int cookie, String name) {
  public boolean is(int bits) {
    return (mask & bits) != 0;
  }

  public boolean isDirectory() {
    return is(InotifyMask.IN_ISDIR);
  }

  @Override
  public String toString() {
    return "wd=" + wd + " " + InotifyMask.describe(mask) + (cookie != 0 ? " cookie=" + Integer.toUnsignedString(cookie) : "")
        + (name.isEmpty() ? "" : " name=" + name);
  }
}
