package org.replicator.core.scan;

import java.nio.file.Path;

/**
 * An lstat that fills a reused {@link StatFields} instead of building the attribute map of {@code
 * Files.readAttributes(p, "unix:…")} (a HashMap, boxed numbers and two FileTimes per path: 0.75
 * CPU-s of a restart's 105,050-path survey, issue 16). The agent supplies one through JNA's
 * {@code statx(2)}; core has none of its own.
 *
 * <p>It only ever answers for the default file system, and only what it is sure of: on any
 * failure (absent, permission, ENOTDIR, a field the file system did not return) it returns false
 * and the {@link Scanner} asks {@code java.nio} for the same path, so errors, their messages and
 * the absent/ENOTDIR rules stay those of the nio path. Implementations must be safe to call from
 * several threads (a scanner's {@code stat} may run beside a walk on another thread).
 */
public interface LinkStat {
  /**
   * lstat of {@code file} (never follows a symlink in the last component) into {@code into}.
   *
   * @return true when every field of {@code into} was set; false when the caller must ask nio
   */
  boolean lstat(Path file, StatFields into);
}
