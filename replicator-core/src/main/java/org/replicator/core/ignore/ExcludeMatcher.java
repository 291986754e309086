package org.replicator.core.ignore;

import java.util.List;
import org.replicator.core.path.RelPath;

/**
 * The gitignore-like exclude list of a cluster, compiled once. Immutable and thread safe; build it
 * once per configuration and share it (compiling runs one regex compile per wildcard pattern).
 *
 * <p>Rules, for a path relative to the docroot ('/'-separated, no leading '/'):
 *
 * <ul>
 *   <li>A leading '/' anchors the pattern to the docroot top. A pattern with a '/' in the middle is
 *       anchored too. Otherwise it matches a name at any depth ({@code *.swp}).
 *   <li>A trailing '/' matches directories only.
 *   <li>{@code *} matches within one component, {@code ?} one character, {@code [abc]}, {@code
 *       [a-z]} and {@code [!abc]} are classes, {@code \} escapes the next character. {@code **}
 *       as a whole component spans directories: {@code **}{@code /x}, {@code a/**}{@code /b}, {@code
 *       x/**}.
 *   <li>The last matching pattern wins; a leading '!' re-includes what an earlier pattern
 *       excluded. As in gitignore, '!' cannot re-include anything below an excluded directory:
 *       {@link #excludedOrUnder} stops at the first excluded ancestor, and tree walkers never
 *       descend into one.
 *   <li>The reserved top-level {@code .replicator} folder (temp files and the docroot marker) is
 *       always excluded, whatever the patterns say, and cannot be re-included.
 * </ul>
 */
public final class ExcludeMatcher implements ExcludeFilter {
  /** The reserved folder, as a pattern; handled by the matcher itself, listed for documentation. */
  public static final String RESERVED_PATTERN = "/" + RelPath.RESERVED + "/";

  /**
   * Folders and files that plugins, editors or WordPress itself write independently on every node.
   * Replicating them would overwrite one node's cache or log with another's, and catch-up would
   * delete what a slave wrote. Each entry is explained in docs/configuration.md; keep the two in
   * step. Backups (UpdraftPlus, All-in-One WP Migration) are deliberately NOT here: losing the
   * master would lose them.
   */
  public static final List<String> WORDPRESS_DEFAULTS =
      List.of(
          "/wp-content/cache/", // WP Super Cache, W3 Total Cache, WP Rocket, WP-Optimize, Autoptimize
          "/wp-content/et-cache/", // Divi / Elegant Themes generated CSS
          "/wp-content/litespeed/", // LiteSpeed Cache optimised CSS/JS
          "/wp-content/wflogs/", // Wordfence firewall state and attack log, per node
          "/wp-content/uploads/cache/", // generic generated cache some plugins keep under uploads
          "/wp-content/uploads/wc-logs/", // WooCommerce logs, written by whichever node served
          "/wp-content/debug.log", // WP_DEBUG_LOG, written by every node
          "/wp-content/upgrade/", // unzip scratch space of core/plugin updates
          "/wp-content/upgrade-temp-backup/", // WordPress 6.3+ rollback copies during updates
          "*.swp", // vim swap files
          "*.swx", // vim swap files
          "*~", // editor backup files
          ".#*", // emacs lock files
          "#*#"); // emacs auto-save files

  private final List<String> patterns;
  private final ExcludePattern[] compiled;

  /**
   * @param patterns in priority order (later wins)
   * @throws IllegalArgumentException naming the first invalid pattern
   */
  public ExcludeMatcher(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
    this.compiled = new ExcludePattern[this.patterns.size()];
    for (int i = 0; i < compiled.length; i++) {
      compiled[i] = ExcludePattern.compile(this.patterns.get(i));
    }
  }

  /** Checks one pattern; throws {@link IllegalArgumentException} naming it when invalid. */
  public static void validatePattern(String pattern) {
    ExcludePattern.compile(pattern);
  }

  public List<String> patterns() {
    return patterns;
  }

  /** Whether {@code path} itself is excluded; ancestors are not consulted (see class doc). */
  @Override
  public boolean excluded(String path, boolean directory) {
    if (RelPath.isSameOrUnder(path, RelPath.RESERVED)) {
      return true;
    }
    String name = RelPath.name(path);
    for (int i = compiled.length - 1; i >= 0; i--) {
      if (compiled[i].matches(path, name, directory)) {
        return !compiled[i].negated();
      }
    }
    return false;
  }

  /**
   * Whether {@code path} or any of its ancestor directories is excluded: the answer for a single
   * event path that arrives without its parents (a watcher event, a path from an index).
   */
  public boolean excludedOrUnder(String path, boolean directory) {
    for (int slash = path.indexOf('/'); slash >= 0; slash = path.indexOf('/', slash + 1)) {
      if (excluded(path.substring(0, slash), true)) {
        return true;
      }
    }
    return excluded(path, directory);
  }

  @Override
  public String toString() {
    return "ExcludeMatcher" + patterns;
  }
}
