package org.replicator.core.ignore;

import java.util.regex.Pattern;

/**
 * One compiled gitignore-like pattern. Immutable and thread safe.
 *
 * <p>Patterns without wildcards compile to plain string comparisons (the WordPress defaults are all
 * of that kind), so the common case costs an {@code equals}, not a regex run. Unanchored patterns
 * (no '/' except a trailing one) are matched against the last path component only, which is the
 * gitignore rule "matches a name at any depth".
 *
 * <p>Deliberately not supported: gitignore's trailing-space stripping and '#' comments (a YAML list
 * has its own comments and quoting), and patterns relative to a subdirectory's own ignore file.
 */
final class ExcludePattern {
  private enum Kind {
    PATH_LITERAL,
    NAME_LITERAL,
    PATH_REGEX,
    NAME_REGEX,
    /** An unanchored name with one run of '*' and nothing else special: {@code *.swp}, {@code .#*}, {@code #*#}. */
    NAME_AFFIX
  }

  private final String source;
  private final boolean negated;
  private final boolean directoryOnly;
  private final Kind kind;
  private final String literal;
  private final Pattern regex;
  /** For {@link Kind#NAME_AFFIX}: what the name starts with ({@link #literal}: ends with). */
  private final String prefix;

  private ExcludePattern(
      String source, boolean negated, boolean directoryOnly, Kind kind, String literal, Pattern regex) {
    this(source, negated, directoryOnly, kind, literal, regex, null);
  }

  private ExcludePattern(
      String source, boolean negated, boolean directoryOnly, Kind kind, String literal, Pattern regex, String prefix) {
    this.source = source;
    this.negated = negated;
    this.directoryOnly = directoryOnly;
    this.kind = kind;
    this.literal = literal;
    this.regex = regex;
    this.prefix = prefix;
  }

  /** @throws IllegalArgumentException naming the pattern when it is empty, has '..', NUL, ... */
  static ExcludePattern compile(String pattern) {
    if (pattern == null || pattern.isEmpty()) {
      throw invalid(String.valueOf(pattern), "is empty");
    }
    if (pattern.indexOf('\0') >= 0) {
      throw invalid(pattern, "contains a NUL character");
    }
    if (pattern.indexOf('\n') >= 0 || pattern.indexOf('\r') >= 0) {
      throw invalid(pattern, "contains a line break");
    }
    String p = pattern;
    boolean negated = p.startsWith("!");
    if (negated) {
      p = p.substring(1);
    }
    boolean directoryOnly = p.endsWith("/");
    if (directoryOnly) {
      p = p.substring(0, p.length() - 1);
    }
    boolean anchored = p.startsWith("/");
    if (anchored) {
      p = p.substring(1);
    }
    if (p.isEmpty()) {
      throw invalid(pattern, "matches nothing (no name left after '!', '/' markers)");
    }
    String[] parts = p.split("/", -1);
    boolean wild = false;
    for (String part : parts) {
      if (part.isEmpty()) {
        throw invalid(pattern, "has an empty component ('//')");
      }
      if (part.equals(".") || part.equals("..")) {
        throw invalid(pattern, "has a '" + part + "' component; patterns are relative to the docroot");
      }
      wild |= hasSpecial(part);
    }
    // gitignore: a '/' at the start or in the middle anchors the pattern to the docroot top.
    anchored |= parts.length > 1;
    Kind kind;
    String literal = null;
    Pattern regex = null;
    if (!wild) {
      kind = anchored ? Kind.PATH_LITERAL : Kind.NAME_LITERAL;
      literal = p;
    } else if (!anchored && isAffix(parts[0])) {
      // The WordPress defaults' editor patterns: a regex run per name of every scan was a top
      // frame of the startup survey (issue 16); a star between a prefix and a suffix is two
      // comparisons. Names never hold '/', so "[^/]*" is "anything" here.
      int star = parts[0].indexOf('*');
      int end = star;
      while (end < parts[0].length() && parts[0].charAt(end) == '*') {
        end++;
      }
      return new ExcludePattern(pattern, negated, directoryOnly, Kind.NAME_AFFIX, parts[0].substring(end), null,
          parts[0].substring(0, star));
    } else if (!anchored) {
      kind = Kind.NAME_REGEX;
      regex = Pattern.compile(translateComponent(parts[0], pattern), Pattern.DOTALL);
    } else {
      kind = Kind.PATH_REGEX;
      regex = Pattern.compile(translatePath(parts, pattern), Pattern.DOTALL);
    }
    return new ExcludePattern(pattern, negated, directoryOnly, kind, literal, regex);
  }

  String source() {
    return source;
  }

  boolean negated() {
    return negated;
  }

  /** @param name the last component of {@code path}, passed in so callers compute it once */
  boolean matches(String path, String name, boolean directory) {
    if (directoryOnly && !directory) {
      return false;
    }
    return switch (kind) {
      case PATH_LITERAL -> path.equals(literal);
      case NAME_LITERAL -> name.equals(literal);
      case PATH_REGEX -> regex.matcher(path).matches();
      case NAME_REGEX -> regex.matcher(name).matches();
      case NAME_AFFIX -> name.length() >= prefix.length() + literal.length() && name.startsWith(prefix) && name.endsWith(literal);
    };
  }

  /** True for a component whose only special characters are one run of '*'. */
  private static boolean isAffix(String part) {
    int star = part.indexOf('*');
    if (star < 0) {
      return false;
    }
    int end = star;
    while (end < part.length() && part.charAt(end) == '*') {
      end++;
    }
    String rest = part.substring(0, star) + part.substring(end);
    return !hasSpecial(rest);
  }

  private static boolean hasSpecial(String part) {
    for (int i = 0; i < part.length(); i++) {
      char c = part.charAt(i);
      if (c == '*' || c == '?' || c == '[' || c == '\\') {
        return true;
      }
    }
    return false;
  }

  private static String translatePath(String[] parts, String pattern) {
    StringBuilder re = new StringBuilder();
    boolean needSlash = false;
    for (int i = 0; i < parts.length; i++) {
      boolean last = i == parts.length - 1;
      if (parts[i].equals("**")) {
        if (last) {
          // "x/**" matches everything inside x (not x itself); a lone "**" matches everything.
          re.append(needSlash ? "/.*" : ".*");
        } else {
          // "**/" and "/**/" match zero or more whole directories.
          re.append(needSlash ? "/(?:.*/)?" : "(?:.*/)?");
          needSlash = false;
        }
      } else {
        if (needSlash) {
          re.append('/');
        }
        re.append(translateComponent(parts[i], pattern));
        needSlash = true;
      }
    }
    return re.toString();
  }

  /** One component: '*' and '?' never cross '/', "[...]" classes, '\' escapes the next char. */
  private static String translateComponent(String part, String pattern) {
    StringBuilder re = new StringBuilder();
    int i = 0;
    while (i < part.length()) {
      int c = part.codePointAt(i);
      i += Character.charCount(c);
      switch (c) {
        case '*' -> {
          re.append("[^/]*");
          while (i < part.length() && part.charAt(i) == '*') {
            i++; // "a**b" is an ordinary star in gitignore
          }
        }
        case '?' -> re.append("[^/]");
        case '[' -> i = translateClass(part, i, re, pattern);
        case '\\' -> {
          if (i >= part.length()) {
            throw invalid(pattern, "ends with a lone '\\'");
          }
          int next = part.codePointAt(i);
          i += Character.charCount(next);
          appendLiteral(re, next);
        }
        default -> appendLiteral(re, c);
      }
    }
    return re.toString();
  }

  /** @param start index just after '['; returns the index just after the closing ']' */
  private static int translateClass(String part, int start, StringBuilder re, String pattern) {
    int i = start;
    boolean negate = i < part.length() && (part.charAt(i) == '!' || part.charAt(i) == '^');
    if (negate) {
      i++;
    }
    StringBuilder body = new StringBuilder();
    boolean first = true;
    while (i < part.length() && (part.charAt(i) != ']' || first)) {
      char c = part.charAt(i++);
      first = false;
      if (c == '\\' && i < part.length()) {
        c = part.charAt(i++);
        body.append(Character.isLetterOrDigit(c) ? "" : "\\").append(c);
      } else if (c == '-') {
        body.append('-'); // range operator, as in fnmatch
      } else if (c == '[' || c == ']' || c == '&' || c == '^' || c == '\\') {
        body.append('\\').append(c);
      } else {
        body.append(c);
      }
    }
    if (i >= part.length()) {
      throw invalid(pattern, "has an unclosed '['");
    }
    re.append(negate ? "[^/" : "[").append(body).append(']');
    return i + 1;
  }

  private static void appendLiteral(StringBuilder re, int cp) {
    if (Character.isLetterOrDigit(cp) || cp > 127) {
      re.appendCodePoint(cp);
    } else {
      re.append('\\').appendCodePoint(cp);
    }
  }

  private static IllegalArgumentException invalid(String pattern, String why) {
    return new IllegalArgumentException(
        "exclude pattern '" + org.replicator.core.path.UnsafePathException.printable(pattern) + "' " + why);
  }

  @Override
  public String toString() {
    return source;
  }
}
