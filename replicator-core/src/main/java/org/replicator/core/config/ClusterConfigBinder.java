package org.replicator.core.config;

import static org.replicator.core.config.ClusterConfigValidator.BATCH_MAX_EVENTS;
import static org.replicator.core.config.ClusterConfigValidator.BATCH_WINDOW_MILLIS;
import static org.replicator.core.config.ClusterConfigValidator.HEARTBEAT_TIMEOUT_SECONDS;
import static org.replicator.core.config.ClusterConfigValidator.HOOK_TIMEOUT_SECONDS;
import static org.replicator.core.config.ClusterConfigValidator.LAG_SECONDS;
import static org.replicator.core.config.ClusterConfigValidator.MASS_DELETE_MIN_PATHS;
import static org.replicator.core.config.ClusterConfigValidator.PORT;
import static org.replicator.core.config.ClusterConfigValidator.RECONCILE_INTERVAL_SECONDS;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.replicator.core.apply.SwapPatterns;
import org.replicator.core.ignore.ExcludeMatcher;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Binds a composed YAML tree to a {@link ClusterConfig} by hand: keys, types, required keys and
 * per-value ranges. Cross-field rules (one master, unique addresses, state_dir placement) belong to
 * {@link ClusterConfigValidator}, which gets the recorded key lines.
 */
final class ClusterConfigBinder {
  static final Set<String> TOP_KEYS =
      ordered(
          "cluster", "docroot", "exclude", "exclude_defaults", "batch_window_ms", "batch_max_events",
          "delete", "mass_delete_threshold", "mass_delete_min_paths", "bandwidth_limit",
          "reconcile_interval_s", "anti_entropy_interval_s", "transport", "health", "hooks", "journal", "nodes",
          "stack_dir", "site", "load_balancer", "database", "memcached", "swap_directories");
  static final Set<String> NODE_KEYS =
      ordered("name", "role", "host", "port", "docroot", "state_dir", "metrics", "agent_check", "hooks",
          "http", "php_fpm", "run_dir", "log_dir", "cache_dir", "local_http");
  static final Set<String> HOOK_KEYS = ordered("name", "match", "run", "timeout_s", "paths");
  static final Set<String> HEALTH_KEYS = ordered("drain_lag_s", "down_lag_s", "heartbeat_timeout_s");
  static final Set<String> JOURNAL_KEYS = ordered("max_bytes", "max_age_s");

  private final Path file;
  private final StrictYaml yaml;
  private final StackBinder stack;
  /** Filled by {@link #nodes}: how each web node serves HTTP and PHP, by node name. */
  private final Map<String, StackConfig.WebServing> web = new LinkedHashMap<>();
  private boolean webKeysGiven;

  ClusterConfigBinder(Path file, KeyLines lines) {
    this.file = file;
    this.yaml = new StrictYaml(file, lines);
    this.stack = new StackBinder(yaml);
  }

  ClusterConfig bind(Node root) throws ConfigException {
    Map<String, Node> top = yaml.mapping(root, "", TOP_KEYS);
    Node cluster = require(top, root, "cluster");
    Node nodes = require(top, root, "nodes");
    List<NodeConfig> boundNodes = nodes(nodes);
    return new ClusterConfig(
        file,
        yaml.string(cluster, "cluster"),
        top.containsKey("docroot") ? path(top.get("docroot"), "docroot") : "",
        excludes(top.get("exclude")),
        top.containsKey("exclude_defaults") ? yaml.bool(top.get("exclude_defaults"), "exclude_defaults") : true,
        (int) intOr(top, "batch_window_ms", BATCH_WINDOW_MILLIS, ClusterConfig.DEFAULT_BATCH_WINDOW_MILLIS),
        (int) intOr(top, "batch_max_events", BATCH_MAX_EVENTS, ClusterConfig.DEFAULT_BATCH_MAX_EVENTS),
        top.containsKey("delete") ? delete(top.get("delete")) : ClusterConfig.DEFAULT_DELETE,
        top.containsKey("mass_delete_threshold")
            ? yaml.number(top.get("mass_delete_threshold"), "mass_delete_threshold")
            : ClusterConfig.DEFAULT_MASS_DELETE_THRESHOLD,
        (int) intOr(top, "mass_delete_min_paths", MASS_DELETE_MIN_PATHS, ClusterConfig.DEFAULT_MASS_DELETE_MIN_PATHS),
        top.containsKey("bandwidth_limit") ? bandwidth(top.get("bandwidth_limit")) : 0,
        (int) intOr(top, "reconcile_interval_s", RECONCILE_INTERVAL_SECONDS,
            ClusterConfig.DEFAULT_RECONCILE_INTERVAL_SECONDS),
        (int) intOr(top, "anti_entropy_interval_s", RECONCILE_INTERVAL_SECONDS,
            ClusterConfig.DEFAULT_ANTI_ENTROPY_INTERVAL_SECONDS),
        top.containsKey("transport") ? transport(top.get("transport")) : ClusterConfig.DEFAULT_TRANSPORT,
        boundNodes,
        top.containsKey("health") ? health(top.get("health")) : HealthConfig.DEFAULTS,
        top.containsKey("hooks") ? hooks(top.get("hooks"), "hooks") : List.of(),
        top.containsKey("journal") ? journal(top.get("journal")) : JournalConfig.DEFAULTS,
        stack.bind(top, web, webKeysGiven),
        top.containsKey("swap_directories") ? swapDirectories(top.get("swap_directories")) : SwapPatterns.DEFAULTS);
  }

  /** Each pattern checked on its own, the error naming {@code swap_directories[i]} and why. */
  private List<String> swapDirectories(Node node) throws ConfigException {
    List<String> patterns = new ArrayList<>();
    List<Node> items = yaml.sequence(node, "swap_directories");
    if (items.size() > SwapPatterns.MAX_PATTERNS) {
      throw yaml.error(node, "swap_directories", items.size() + " patterns, at most " + SwapPatterns.MAX_PATTERNS);
    }
    for (int i = 0; i < items.size(); i++) {
      String key = "swap_directories[" + i + "]";
      String pattern = yaml.string(items.get(i), key);
      try {
        SwapPatterns.of(List.of(pattern));
      } catch (IllegalArgumentException e) {
        throw yaml.error(items.get(i), key, e.getMessage());
      }
      patterns.add(pattern);
    }
    return patterns;
  }

  /** Shapes and types only; names, patterns and the command are checked by the validator. */
  private List<HookConfig> hooks(Node node, String key) throws ConfigException {
    List<HookConfig> hooks = new ArrayList<>();
    List<Node> items = yaml.sequence(node, key);
    for (int i = 0; i < items.size(); i++) {
      String at = key + "[" + i + "]";
      Node item = items.get(i);
      Map<String, Node> map = yaml.mapping(item, at, HOOK_KEYS);
      hooks.add(new HookConfig(
          yaml.string(require(map, item, at + ".name"), at + ".name"),
          strings(require(map, item, at + ".match"), at + ".match"),
          strings(require(map, item, at + ".run"), at + ".run"),
          (int) intOr(map, "timeout_s", at + ".", HOOK_TIMEOUT_SECONDS, HookConfig.DEFAULT_TIMEOUT_SECONDS),
          map.containsKey("paths") ? pathPassing(map.get("paths"), at + ".paths") : HookConfig.PathPassing.STDIN));
    }
    return hooks;
  }

  /** A list of strings; a single string is a one-item list for {@code match}, never for {@code run}. */
  private List<String> strings(Node node, String key) throws ConfigException {
    if (key.endsWith(".match") && node instanceof ScalarNode) {
      return List.of(yaml.string(node, key));
    }
    if (key.endsWith(".run") && node instanceof ScalarNode) {
      throw yaml.error(node, key, "expected a list (argv: program, then its arguments), got " + StrictYaml.describe(node)
          + "; a hook is never run through a shell, write e.g. [\"/usr/bin/php\", \"/etc/replicator/opcache.php\"]");
    }
    List<String> out = new ArrayList<>();
    List<Node> items = yaml.sequence(node, key);
    for (int i = 0; i < items.size(); i++) {
      out.add(yaml.string(items.get(i), key + "[" + i + "]"));
    }
    return out;
  }

  private HookConfig.PathPassing pathPassing(Node node, String key) throws ConfigException {
    String v = yaml.string(node, key);
    for (HookConfig.PathPassing p : HookConfig.PathPassing.values()) {
      if (p.yamlName().equals(v)) {
        return p;
      }
    }
    throw yaml.error(node, key, "expected stdin or args, got \"" + v + "\"");
  }

  private JournalConfig journal(Node node) throws ConfigException {
    Map<String, Node> map = yaml.mapping(node, "journal", JOURNAL_KEYS);
    return new JournalConfig(
        intOr(map, "max_bytes", "journal.", ClusterConfigValidator.JOURNAL_MAX_BYTES, JournalConfig.DEFAULT_MAX_BYTES),
        intOr(map, "max_age_s", "journal.", ClusterConfigValidator.JOURNAL_MAX_AGE_SECONDS, JournalConfig.DEFAULT_MAX_AGE_SECONDS));
  }

  private HealthConfig health(Node node) throws ConfigException {
    Map<String, Node> map = yaml.mapping(node, "health", HEALTH_KEYS);
    return new HealthConfig(
        (int) intOr(map, "drain_lag_s", "health.", LAG_SECONDS, HealthConfig.DEFAULT_DRAIN_LAG_SECONDS),
        (int) intOr(map, "down_lag_s", "health.", LAG_SECONDS, HealthConfig.DEFAULT_DOWN_LAG_SECONDS),
        (int) intOr(map, "heartbeat_timeout_s", "health.", HEARTBEAT_TIMEOUT_SECONDS,
            HealthConfig.DEFAULT_HEARTBEAT_TIMEOUT_SECONDS));
  }

  private Node require(Map<String, Node> map, Node mapNode, String key) throws ConfigException {
    Node value = map.get(key.substring(key.lastIndexOf('.') + 1));
    if (value == null) {
      throw yaml.missing(mapNode, key);
    }
    return value;
  }

  private long intOr(Map<String, Node> top, String key, ClusterConfigValidator.Range range, long dflt)
      throws ConfigException {
    return intOr(top, key, "", range, dflt);
  }

  private long intOr(Map<String, Node> map, String key, String prefix, ClusterConfigValidator.Range range, long dflt)
      throws ConfigException {
    Node node = map.get(key);
    return node == null ? dflt : yaml.integer(node, prefix + key, range.min(), range.max());
  }

  private List<String> excludes(Node node) throws ConfigException {
    if (node == null) {
      return List.of();
    }
    List<String> patterns = new ArrayList<>();
    List<Node> items = yaml.sequence(node, "exclude");
    for (int i = 0; i < items.size(); i++) {
      String key = "exclude[" + i + "]";
      String pattern = yaml.string(items.get(i), key);
      try {
        ExcludeMatcher.validatePattern(pattern);
      } catch (IllegalArgumentException e) {
        throw yaml.error(items.get(i), key, e.getMessage());
      }
      patterns.add(pattern);
    }
    return patterns;
  }

  /** YAML true/false and the strings "true", "false", "startup", "running". */
  private DeletePolicy delete(Node node) throws ConfigException {
    if (node instanceof ScalarNode scalar && (node.getTag().equals(Tag.BOOL) || node.getTag().equals(Tag.STR))) {
      String v = scalar.getValue().toLowerCase(Locale.ROOT);
      for (DeletePolicy p : DeletePolicy.values()) {
        if (p.yamlName().equals(v)) {
          return p;
        }
      }
    }
    throw yaml.error(node, "delete", "expected true, false, startup or running, got " + StrictYaml.describe(node));
  }

  /** "tls" or "plain"; nothing else, so that a typo never silently turns encryption off. */
  private TransportMode transport(Node node) throws ConfigException {
    if (node instanceof ScalarNode scalar && node.getTag().equals(Tag.STR)) {
      for (TransportMode t : TransportMode.values()) {
        if (t.yamlName().equals(scalar.getValue())) {
          return t;
        }
      }
    }
    throw yaml.error(node, "transport", "expected tls or plain, got " + StrictYaml.describe(node));
  }

  private long bandwidth(Node node) throws ConfigException {
    try {
      if (node instanceof ScalarNode scalar && node.getTag().equals(Tag.INT)) {
        return Bandwidth.checked(yaml.integer(node, "bandwidth_limit", Long.MIN_VALUE, Long.MAX_VALUE), scalar.getValue());
      }
      return Bandwidth.parse(yaml.string(node, "bandwidth_limit"));
    } catch (IllegalArgumentException e) {
      throw yaml.error(node, "bandwidth_limit", e.getMessage());
    }
  }

  private List<NodeConfig> nodes(Node node) throws ConfigException {
    List<NodeConfig> nodes = new ArrayList<>();
    List<Node> items = yaml.sequence(node, "nodes");
    for (int i = 0; i < items.size(); i++) {
      String key = "nodes[" + i + "]";
      Node item = items.get(i);
      Map<String, Node> map = yaml.mapping(item, key, NODE_KEYS);
      NodeConfig bound =
          new NodeConfig(
              yaml.string(require(map, item, key + ".name"), key + ".name"),
              role(require(map, item, key + ".role"), key + ".role"),
              yaml.string(require(map, item, key + ".host"), key + ".host"),
              (int) yaml.integer(require(map, item, key + ".port"), key + ".port", PORT.min(), PORT.max()),
              map.containsKey("docroot") ? Optional.of(path(map.get("docroot"), key + ".docroot")) : Optional.empty(),
              map.containsKey("state_dir")
                  ? Optional.of(path(map.get("state_dir"), key + ".state_dir"))
                  : Optional.empty(),
              yaml.endpoint(map.get("metrics"), key + ".metrics"),
              yaml.endpoint(map.get("agent_check"), key + ".agent_check"),
              map.containsKey("hooks") ? Optional.of(hooks(map.get("hooks"), key + ".hooks")) : Optional.empty());
      nodes.add(bound);
      webKeysGiven |= StackBinder.WEB_KEYS.stream().anyMatch(map::containsKey);
      // A duplicate name is the validator's error, with both lines: keep the first here.
      if (!web.containsKey(bound.name())) {
        web.put(bound.name(), stack.web(map, key, bound.name(), bound.host()));
      }
    }
    return nodes;
  }

  private Role role(Node node, String key) throws ConfigException {
    String v = yaml.string(node, key);
    for (Role r : Role.values()) {
      if (r.yamlName().equals(v)) {
        return r;
      }
    }
    throw yaml.error(node, key, "expected master or slave, got \"" + v + "\"");
  }

  /** A path string with one trailing '/' dropped; absoluteness is the validator's job. */
  private String path(Node node, String key) throws ConfigException {
    String p = yaml.string(node, key);
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  private static Set<String> ordered(String... keys) {
    return java.util.Collections.unmodifiableSet(new LinkedHashSet<>(List.of(keys)));
  }
}
