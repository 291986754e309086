package org.replicator.core.config;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Typed, strict reads from a composed YAML node tree. Every failure is a {@link ConfigException}
 * with the file, the node's line and the dotted key. Types follow the YAML 1.2 core schema as the
 * composer resolved them: a quoted "20" is a string, not an integer, and is refused where an
 * integer is expected (strictness catches typos instead of guessing).
 */
final class StrictYaml {
  private final Path file;
  private final KeyLines lines;

  StrictYaml(Path file, KeyLines lines) {
    this.file = file;
    this.lines = lines;
  }

  static int line(Node node) {
    return node.getStartMark().map(m -> m.getLine() + 1).orElse(0);
  }

  ConfigException error(Node node, String key, String detail) {
    return new ConfigException(file, line(node), key, detail);
  }

  /**
   * The entries of a mapping, in file order, keyed by name. Refuses non-string keys, duplicate
   * keys, unknown keys, and records each key's line under {@code prefix.key}.
   */
  Map<String, Node> mapping(Node node, String key, Set<String> allowed) throws ConfigException {
    if (!(node instanceof MappingNode map)) {
      throw error(node, key, "expected a mapping of keys (" + String.join(", ", allowed) + "), got " + describe(node));
    }
    Map<String, Node> entries = new LinkedHashMap<>();
    Map<String, Integer> firstLine = new LinkedHashMap<>();
    for (NodeTuple tuple : map.getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode scalar) || !keyNode.getTag().equals(Tag.STR)) {
        throw error(keyNode, key, "keys must be plain names, got " + describe(keyNode));
      }
      String name = scalar.getValue();
      String path = key.isEmpty() ? name : key + "." + name;
      if (!allowed.contains(name)) {
        throw error(keyNode, path, "unknown key; expected one of " + String.join(", ", allowed));
      }
      if (entries.containsKey(name)) {
        throw error(keyNode, path, "duplicate key (first given at line " + firstLine.get(name) + ")");
      }
      entries.put(name, tuple.getValueNode());
      firstLine.put(name, line(keyNode));
      lines.put(path, line(keyNode));
    }
    return entries;
  }

  ConfigException missing(Node map, String key) {
    return error(map, key, "missing required key");
  }

  List<Node> sequence(Node node, String key) throws ConfigException {
    if (!(node instanceof SequenceNode seq)) {
      throw error(node, key, "expected a list, got " + describe(node));
    }
    for (int i = 0; i < seq.getValue().size(); i++) {
      lines.put(key + "[" + i + "]", line(seq.getValue().get(i)));
    }
    return seq.getValue();
  }

  /** A {@code host:port} value; empty when {@code node} is null (the key is absent). */
  Optional<Endpoint> endpoint(Node node, String key) throws ConfigException {
    if (node == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Endpoint.parse(string(node, key)));
    } catch (IllegalArgumentException e) {
      throw error(node, key, e.getMessage());
    }
  }

  String string(Node node, String key) throws ConfigException {
    if (!(node instanceof ScalarNode scalar) || !node.getTag().equals(Tag.STR)) {
      throw error(node, key, "expected a string, got " + describe(node) + quoteHint(node));
    }
    return scalar.getValue();
  }

  boolean bool(Node node, String key) throws ConfigException {
    if (!(node instanceof ScalarNode scalar) || !node.getTag().equals(Tag.BOOL)) {
      throw error(node, key, "expected true or false, got " + describe(node));
    }
    return scalar.getValue().toLowerCase(Locale.ROOT).equals("true");
  }

  /** An integer, refused when outside {@code min..max} (the range of the Java field it fills). */
  long integer(Node node, String key, long min, long max) throws ConfigException {
    if (!(node instanceof ScalarNode scalar) || !node.getTag().equals(Tag.INT)) {
      throw error(node, key, "expected an integer, got " + describe(node));
    }
    BigInteger value = parseInt(scalar.getValue());
    if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
      throw error(node, key, scalar.getValue() + " is out of range " + min + ".." + max);
    }
    return value.longValueExact();
  }

  /** A number: YAML float or integer. .nan and .inf come back as such for range checks to refuse. */
  double number(Node node, String key) throws ConfigException {
    if (node instanceof ScalarNode scalar && node.getTag().equals(Tag.INT)) {
      return parseInt(scalar.getValue()).doubleValue();
    }
    if (!(node instanceof ScalarNode scalar) || !node.getTag().equals(Tag.FLOAT)) {
      throw error(node, key, "expected a number, got " + describe(node));
    }
    String v = scalar.getValue().toLowerCase(Locale.ROOT);
    if (v.endsWith(".nan")) {
      return Double.NaN;
    }
    if (v.endsWith(".inf")) {
      return v.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    return Double.parseDouble(v);
  }

  private static BigInteger parseInt(String text) {
    String t = text;
    boolean negative = t.startsWith("-");
    if (negative || t.startsWith("+")) {
      t = t.substring(1);
    }
    BigInteger v;
    if (t.startsWith("0x")) {
      v = new BigInteger(t.substring(2), 16);
    } else if (t.startsWith("0o")) {
      v = new BigInteger(t.substring(2), 8);
    } else {
      v = new BigInteger(t);
    }
    return negative ? v.negate() : v;
  }

  /** How a value looks to the operator: {@code string "fast"}, {@code a list}, {@code no value}. */
  static String describe(Node node) {
    if (node instanceof MappingNode) {
      return "a mapping";
    }
    if (node instanceof SequenceNode) {
      return "a list";
    }
    String value = ((ScalarNode) node).getValue();
    Tag tag = node.getTag();
    if (tag.equals(Tag.NULL)) {
      return "no value";
    }
    String kind;
    if (tag.equals(Tag.STR)) {
      kind = "string";
    } else if (tag.equals(Tag.INT)) {
      kind = "integer";
    } else if (tag.equals(Tag.FLOAT)) {
      kind = "number";
    } else if (tag.equals(Tag.BOOL)) {
      kind = "boolean";
    } else if (tag.equals(Tag.ENV_TAG)) {
      kind = "environment variable reference (not expanded)";
    } else {
      kind = "value tagged " + tag.getValue();
    }
    return kind + " \"" + org.replicator.core.path.UnsafePathException.printable(value) + "\"";
  }

  private static String quoteHint(Node node) {
    Tag tag = node.getTag();
    boolean scalarNonString =
        node instanceof ScalarNode && (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT) || tag.equals(Tag.BOOL));
    return scalarNonString ? " (put it in quotes to make it a string)" : "";
  }
}
