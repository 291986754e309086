package org.replicator.agent.logging;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Whether this process's stdout is connected to journald: systemd sets {@code JOURNAL_STREAM} to
 * {@code <device>:<inode>} of the stream it hands the service, and a process should only trust
 * it when its stdout still is that stream (a hook, or a command started from a unit with its
 * output redirected to a file, inherits the variable but not the stream). systemd.exec(5),
 * "$JOURNAL_STREAM". Where /proc cannot tell, the variable alone decides.
 */
public final class JournalStream {
  private static final Path STDOUT = Path.of("/proc/self/fd/1");

  private JournalStream() {}

  /** For this process. */
  public static boolean isStdout() {
    return matches(System.getenv(), STDOUT);
  }

  /** Whether {@code env}'s JOURNAL_STREAM names the file {@code fd} resolves to. */
  static boolean matches(Map<String, String> env, Path fd) {
    String value = env.get("JOURNAL_STREAM");
    if (value == null || value.isEmpty()) {
      return false;
    }
    int colon = value.indexOf(':');
    if (colon < 0) {
      return false;
    }
    try {
      long dev = Long.parseUnsignedLong(value.substring(0, colon));
      long ino = Long.parseUnsignedLong(value.substring(colon + 1));
      return ((Number) Files.getAttribute(fd, "unix:dev")).longValue() == dev
          && ((Number) Files.getAttribute(fd, "unix:ino")).longValue() == ino;
    } catch (NumberFormatException e) {
      return false;
    } catch (IOException | UnsupportedOperationException e) {
      // No /proc (or no unix view): the variable is all there is to go by.
      return true;
    }
  }
}
