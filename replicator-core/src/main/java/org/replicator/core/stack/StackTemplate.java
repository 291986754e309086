package org.replicator.core.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A generated file's text: a plain-text resource ({@code templates/<name>} next to this class) with
 * {@code {{key}}} placeholders. A line that is only a placeholder whose value is empty disappears
 * (an optional section), and a value of several lines keeps the line's indentation on each. Every
 * placeholder must get a value and every value must be used: a typo fails the build's tests, never
 * an operator's server. Stateless.
 */
final class StackTemplate {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([a-z_]+)}}");
  private static final Pattern ALONE = Pattern.compile("^([ \\t]*)\\{\\{([a-z_]+)}}[ \\t]*$");

  private StackTemplate() {}

  static String render(String name, Map<String, String> values) {
    String text = load(name);
    Set<String> used = new HashSet<>();
    StringBuilder out = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      Matcher alone = ALONE.matcher(line);
      if (alone.matches()) {
        String value = value(name, values, alone.group(2), used);
        if (value.isEmpty()) {
          continue;
        }
        String indent = alone.group(1);
        for (String v : value.split("\n", -1)) {
          out.append(v.isEmpty() ? "" : indent + v).append('\n');
        }
        continue;
      }
      Matcher m = PLACEHOLDER.matcher(line);
      StringBuilder l = new StringBuilder();
      while (m.find()) {
        m.appendReplacement(l, Matcher.quoteReplacement(value(name, values, m.group(1), used)));
      }
      m.appendTail(l);
      out.append(l).append('\n');
    }
    if (!used.containsAll(values.keySet())) {
      Set<String> unused = new HashSet<>(values.keySet());
      unused.removeAll(used);
      throw new IllegalStateException("template " + name + " has no place for " + unused);
    }
    // The split above adds one line break per line: the file ends with exactly one.
    String s = out.toString();
    while (s.endsWith("\n\n")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  private static String value(String template, Map<String, String> values, String key, Set<String> used) {
    String v = values.get(key);
    if (v == null) {
      throw new IllegalStateException("template " + template + " needs a value for {{" + key + "}}");
    }
    used.add(key);
    // A value ending with a line break would leave a blank line inside a block.
    return v.endsWith("\n") ? v.substring(0, v.length() - 1) : v;
  }

  static String load(String name) {
    return resource("templates/" + name);
  }

  /** A file shipped as is (the PHP endpoints of config/). */
  static String file(String name) {
    return resource("files/" + name);
  }

  private static String resource(String path) {
    try (InputStream in = StackTemplate.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path + " next to " + StackTemplate.class.getName());
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
