package org.replicator.agent.watch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;
import org.replicator.agent.watch.inotify.Inotify;
import org.replicator.agent.watch.inotify.LeaseWriterCheck;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.plan.WriterCheck;
import org.replicator.core.watch.ChangeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the master's change source once, at start, and logs which and why: inotify read directly
 * ({@link InotifySource}: close-write and rename cookies) on Linux; directory-watcher ({@link
 * DirectoryWatcherSource}: quiet-time and move-window guesses) where that is not possible (not
 * Linux, JNA or glibc not loadable, inotify refused) or when the operator asks for it with the
 * JVM option {@code -Dreplicator.watcher=portable}.
 */
public final class ChangeSources {
  private static final Logger log = LoggerFactory.getLogger(ChangeSources.class);
  /** JVM option: {@code inotify} (default on Linux) or {@code portable}. */
  public static final String PROPERTY = "replicator.watcher";

  private ChangeSources() {}

  /**
   * The source chosen, with its name ("inotify" or "directory-watcher") and the reason, for
   * status; and how the planner may ask whether a file found by a scan is open for writing.
   */
  public record Choice(ChangeSource source, String name, String reason, WriterCheck writerCheck) {}

  public static Choice choose(Path docroot, ExcludeFilter filter, Consumer<String> onBarrier) {
    Choice choice = pick(docroot, filter, onBarrier, System.getProperty(PROPERTY, ""), System.getProperty("os.name", ""));
    if (choice.source() instanceof InotifySource) {
      log.info("event=watcher source={} reason=\"{}\"", choice.name(), choice.reason());
    } else {
      log.warn("event=watcher source={} reason=\"{}\" effect=\"files are judged complete after a quiet time and renames are paired by time"
          + " windows: a writer that pauses can be replicated half-written\"", choice.name(), choice.reason());
    }
    return choice;
  }

  static Choice pick(Path docroot, ExcludeFilter filter, Consumer<String> onBarrier, String wanted, String osName) {
    String w = wanted.trim().toLowerCase(Locale.ROOT);
    if (w.equals("portable") || w.equals("directory-watcher")) {
      return portable(docroot, onBarrier, "asked for with -D" + PROPERTY + "=" + wanted.trim());
    }
    if (!w.isEmpty() && !w.equals("inotify")) {
      return portable(docroot, onBarrier, "unknown -D" + PROPERTY + "=" + wanted.trim() + " (inotify or portable)");
    }
    if (!osName.toLowerCase(Locale.ROOT).startsWith("linux")) {
      return portable(docroot, onBarrier, "inotify is Linux only (os.name=" + osName + ")");
    }
    try {
      return new Choice(new InotifySource(docroot, filter, onBarrier, Inotify.open()), "inotify",
          "Linux: close-write and rename cookies from the kernel", new LeaseWriterCheck(docroot));
    } catch (IOException | LinkageError e) {
      return portable(docroot, onBarrier, "inotify unavailable: " + e.getMessage());
    }
  }

  private static Choice portable(Path docroot, Consumer<String> onBarrier, String reason) {
    return new Choice(new DirectoryWatcherSource(docroot, onBarrier), "directory-watcher", reason, WriterCheck.NONE);
  }
}
