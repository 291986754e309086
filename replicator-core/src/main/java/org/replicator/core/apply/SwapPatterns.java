package org.replicator.core.apply;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.path.RelPath;

/**
 * Which directories a slave replaces as a whole ({@code swap_directories} in the cluster file,
 * default {@code wp-content/plugins/*} and {@code wp-content/themes/*}). A pattern is a relative
 * path whose segments may hold {@code *} (any characters but {@code /}); the directory it names
 * is a swap root, and every op at or under it in a batch is applied to a copy that replaces the
 * live directory in one exchange (see {@link DirectorySwap}).
 */
public final class SwapPatterns {
  public static final List<String> DEFAULTS = List.of("wp-content/plugins/*", "wp-content/themes/*");
  public static final SwapPatterns NONE = new SwapPatterns(List.of());
  /** Patterns past this many are refused: each op is matched against every one. */
  public static final int MAX_PATTERNS = 64;

  private final List<String> patterns;
  private final List<Pattern[]> compiled = new ArrayList<>();

  private SwapPatterns(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
    for (String p : patterns) {
      String[] segs = p.split("/");
      Pattern[] c = new Pattern[segs.length];
      for (int i = 0; i < segs.length; i++) {
        c[i] = Pattern.compile(glob(segs[i]));
      }
      compiled.add(c);
    }
  }

  /**
   * Parsed patterns, or {@link IllegalArgumentException} naming the bad one and why: absolute,
   * {@code .} or {@code ..} segments, {@code **}, an empty segment, under {@code .replicator}, or
   * more than {@link #MAX_PATTERNS}.
   */
  public static SwapPatterns of(List<String> patterns) {
    if (patterns.size() > MAX_PATTERNS) {
      throw new IllegalArgumentException(patterns.size() + " patterns, at most " + MAX_PATTERNS);
    }
    for (String p : patterns) {
      String why = problem(p);
      if (why != null) {
        throw new IllegalArgumentException("'" + p + "': " + why);
      }
    }
    return new SwapPatterns(patterns);
  }

  private static String problem(String p) {
    if (p == null || p.isEmpty()) {
      return "empty pattern";
    }
    if (p.startsWith("/")) {
      return "must be relative to the docroot (no leading /)";
    }
    if (p.contains("**")) {
      return "** is not supported: one * matches within one path segment";
    }
    for (String seg : p.split("/", -1)) {
      if (seg.isEmpty()) {
        return "empty path segment (// or a trailing /)";
      }
      if (seg.equals(".") || seg.equals("..")) {
        return "'" + seg + "' segments are not allowed";
      }
      if (seg.startsWith(DirectorySwap.STAGING_PREFIX)) {
        return "names starting with " + DirectorySwap.STAGING_PREFIX + " are the slave's own";
      }
    }
    if (RelPath.isSameOrUnder(p.split("/")[0], RelPath.RESERVED)) {
      return RelPath.RESERVED + " is the product's own folder";
    }
    return null;
  }

  private static String glob(String segment) {
    StringBuilder re = new StringBuilder();
    for (String part : segment.split("\\*", -1)) {
      if (re.length() > 0 || segment.startsWith("*")) {
        re.append("[^/]*");
      }
      re.append(Pattern.quote(part));
    }
    if (segment.equals("*")) {
      return "[^/]+";
    }
    return re.toString();
  }

  public boolean isEmpty() {
    return patterns.isEmpty();
  }

  public List<String> patterns() {
    return patterns;
  }

  /**
   * The swap root {@code path} is at or under, or null: the shortest prefix of it that a pattern
   * names. A name that starts with the staging prefix is never a root.
   */
  public String rootOf(String path) {
    if (path.isEmpty() || compiled.isEmpty()) {
      return null;
    }
    String[] segs = path.split("/");
    String best = null;
    int bestLen = Integer.MAX_VALUE;
    for (Pattern[] c : compiled) {
      if (segs.length < c.length || c.length >= bestLen) {
        continue;
      }
      boolean match = true;
      for (int i = 0; i < c.length && match; i++) {
        match = c[i].matcher(segs[i]).matches();
      }
      if (match && !segs[c.length - 1].startsWith(DirectorySwap.STAGING_PREFIX)) {
        bestLen = c.length;
        best = String.join("/", Arrays.copyOf(segs, c.length));
      }
    }
    return best;
  }

  /**
   * Whether {@code path} is the staging sibling of a swap root ({@code <parent>/.replicator-swap.<name>}
   * where {@code <parent>/<name>} is a root): the slave's own, never part of the replicated tree.
   */
  public boolean isStaging(String path) {
    String name = RelPath.name(path);
    if (!name.startsWith(DirectorySwap.STAGING_PREFIX) || name.length() == DirectorySwap.STAGING_PREFIX.length()) {
      return false;
    }
    String live = RelPath.join(RelPath.parent(path), name.substring(DirectorySwap.STAGING_PREFIX.length()));
    return live.equals(rootOf(live));
  }

  /**
   * {@code base}, and also every staging sibling ({@link #isStaging}): a slave's scans never count
   * a swap's copy, or one a crash left before {@link Applier#start()} removes it, as part of the tree.
   */
  public ExcludeFilter withStagingExcluded(ExcludeFilter base) {
    return compiled.isEmpty() ? base : (path, directory) -> base.excluded(path, directory) || isStaging(path);
  }

  /** Whether some pattern's leading segments match every segment of {@code dir} and it has more: a root may lie below. */
  boolean mayHoldRoots(String dir) {
    String[] segs = dir.split("/");
    for (Pattern[] c : compiled) {
      if (c.length <= segs.length) {
        continue;
      }
      boolean match = true;
      for (int i = 0; i < segs.length && match; i++) {
        match = c[i].matcher(segs[i]).matches();
      }
      if (match) {
        return true;
      }
    }
    return false;
  }
}
