package org.replicator.core.config;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.replicator.core.ignore.ExcludeMatcher;

/**
 * The rules a cluster file must meet beyond its shape. Runs on every loaded file and on records
 * built by hand; the first broken rule, in file order, is thrown with its key and line.
 *
 * <p>The state_dir rules protect the invariant that state, journal and keys are never served or
 * replicated: a state_dir may not be a docroot or lie inside one, neither its own node's nor that
 * of any node declared on the same host (several agents on one machine, as in a demo).
 */
public final class ClusterConfigValidator {
  /** An inclusive range of a numeric key. */
  record Range(long min, long max) {
    boolean contains(long v) {
      return v >= min && v <= max;
    }

    @Override
    public String toString() {
      return min + ".." + max;
    }
  }

  static final Range PORT = new Range(1, 65535);
  /** 1 MiB to 1 TiB: below that a journal holds too little to spare any catch-up. */
  static final Range JOURNAL_MAX_BYTES = new Range(1L << 20, 1L << 40);
  /** One minute to 30 days. */
  static final Range JOURNAL_MAX_AGE_SECONDS = new Range(60, 30L * 24 * 3600);
  static final Range BATCH_WINDOW_MILLIS = new Range(0, 10_000);
  static final Range BATCH_MAX_EVENTS = new Range(1, 100_000);
  static final Range MASS_DELETE_MIN_PATHS = new Range(0, 10_000_000);
  static final Range RECONCILE_INTERVAL_SECONDS = new Range(0, 7 * 24 * 3600);
  static final Range LAG_SECONDS = new Range(1, 24 * 3600);
  /** The freshness file is rewritten every second: a timeout under 2 s would flap. */
  static final Range HEARTBEAT_TIMEOUT_SECONDS = new Range(2, 24 * 3600);
  static final Range HOOK_TIMEOUT_SECONDS = new Range(1, 3600);

  /** Cluster and node names: they appear in paths, metric labels and generated configs. */
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");

  private final ClusterConfig config;
  private final KeyLines lines;

  private ClusterConfigValidator(ClusterConfig config, KeyLines lines) {
    this.config = config;
    this.lines = lines;
  }

  /** Validates a config built in code (no line numbers). */
  public static void validate(ClusterConfig config) throws ConfigException {
    validate(config, KeyLines.NONE);
  }

  static void validate(ClusterConfig config, KeyLines lines) throws ConfigException {
    new ClusterConfigValidator(config, lines).run();
  }

  private void run() throws ConfigException {
    name(config.cluster(), "cluster");
    List<String> excludes = config.userExcludes();
    for (int i = 0; i < excludes.size(); i++) {
      try {
        ExcludeMatcher.validatePattern(excludes.get(i));
      } catch (IllegalArgumentException e) {
        throw fail("exclude[" + i + "]", e.getMessage());
      }
    }
    range(config.batchWindowMillis(), BATCH_WINDOW_MILLIS, "batch_window_ms");
    range(config.batchMaxEvents(), BATCH_MAX_EVENTS, "batch_max_events");
    double t = config.massDeleteThreshold();
    if (!(t > 0 && t <= 1)) {
      throw fail("mass_delete_threshold", t + " is out of range: must be greater than 0 and at most 1 (a share of the tree)");
    }
    range(config.massDeleteMinPaths(), MASS_DELETE_MIN_PATHS, "mass_delete_min_paths");
    try {
      Bandwidth.checked(config.bandwidthLimitBytesPerSecond(), Long.toString(config.bandwidthLimitBytesPerSecond()));
    } catch (IllegalArgumentException e) {
      throw fail("bandwidth_limit", e.getMessage());
    }
    range(config.reconcileIntervalSeconds(), RECONCILE_INTERVAL_SECONDS, "reconcile_interval_s");
    range(config.antiEntropyIntervalSeconds(), RECONCILE_INTERVAL_SECONDS, "anti_entropy_interval_s");
    health(config.health());
    hooks(config.hooks(), "hooks");
    if (!config.docroot().isEmpty()) {
      absolute(config.docroot(), "docroot");
    }
    nodes();
    new StackValidator(this, config).run();
  }

  private void nodes() throws ConfigException {
    List<NodeConfig> nodes = config.nodes();
    Map<String, Integer> byName = new HashMap<>();
    Map<String, Integer> byAddress = new HashMap<>();
    int master = -1;
    for (int i = 0; i < nodes.size(); i++) {
      NodeConfig n = nodes.get(i);
      String key = "nodes[" + i + "]";
      name(n.name(), key + ".name");
      Integer other = byName.putIfAbsent(n.name(), i);
      if (other != null) {
        throw fail(key + ".name", "duplicate node name '" + n.name() + "' (also " + where("nodes[" + other + "]") + ")");
      }
      if (n.host().isEmpty() || n.host().chars().anyMatch(c -> c <= ' ' || c == '/' || c == 0x7f)) {
        throw fail(key + ".host", "'" + n.host() + "' is not a host name or IP address");
      }
      range(n.port(), PORT, key + ".port");
      other = byAddress.putIfAbsent(n.address(), i);
      if (other != null) {
        throw fail(key + ".port", "node '" + n.name() + "' and node '" + nodes.get(other).name() + "' both listen on " + n.address() + "; each agent needs its own host:port");
      }
      if (n.isMaster()) {
        if (master >= 0) {
          throw fail(key + ".role", "node '" + n.name() + "' is a second master ('" + nodes.get(master).name() + "' is already master); exactly one node must be master");
        }
        master = i;
      }
      if (n.docroot().isEmpty() && config.docroot().isEmpty()) {
        throw fail("docroot", "missing: node '" + n.name() + "' has no docroot of its own, so the cluster-level docroot is required");
      }
      if (n.docroot().isPresent()) {
        absolute(n.docroot().get(), key + ".docroot");
      }
      if (n.stateDir().isPresent()) {
        absolute(n.stateDir().get(), key + ".state_dir");
      }
      if (n.hooks().isPresent()) {
        hooks(n.hooks().get(), key + ".hooks");
      }
    }
    if (master < 0) {
      throw fail("nodes", "no node has role master; exactly one must");
    }
    if (config.slaves().isEmpty()) {
      throw fail("nodes", "no node has role slave; at least one is needed to replicate to");
    }
    for (int i = 0; i < nodes.size(); i++) {
      placement(i);
    }
    Map<String, String> listeners = new HashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      NodeConfig n = nodes.get(i);
      listeners.put(n.host() + " " + n.address(), "nodes[" + i + "].port");
    }
    for (int i = 0; i < nodes.size(); i++) {
      endpoints(listeners, i);
    }
  }

  private void health(HealthConfig h) throws ConfigException {
    range(h.drainLagSeconds(), LAG_SECONDS, "health.drain_lag_s");
    range(h.downLagSeconds(), LAG_SECONDS, "health.down_lag_s");
    range(h.heartbeatTimeoutSeconds(), HEARTBEAT_TIMEOUT_SECONDS, "health.heartbeat_timeout_s");
    if (h.downLagSeconds() <= h.drainLagSeconds()) {
      throw fail("health.down_lag_s", h.downLagSeconds() + " must be greater than drain_lag_s (" + h.drainLagSeconds()
          + "): a slave drains first, then goes down");
    }
  }

  /**
   * Hook names unique (they label status and logs), at least one valid pattern, and an argv whose
   * program is an absolute path: the agent's PATH is not the operator's shell's.
   */
  private void hooks(List<HookConfig> hooks, String key) throws ConfigException {
    if (hooks.size() > HookConfig.MAX_HOOKS) {
      throw fail(key, hooks.size() + " hooks; at most " + HookConfig.MAX_HOOKS + " are supported");
    }
    Map<String, Integer> byName = new HashMap<>();
    for (int i = 0; i < hooks.size(); i++) {
      HookConfig h = hooks.get(i);
      String at = key + "[" + i + "]";
      name(h.name(), at + ".name");
      Integer other = byName.putIfAbsent(h.name(), i);
      if (other != null) {
        throw fail(at + ".name", "duplicate hook name '" + h.name() + "' (also " + where(key + "[" + other + "]") + ")");
      }
      if (h.match().isEmpty()) {
        throw fail(at + ".match", "is empty: give at least one pattern, e.g. \"*.php\"");
      }
      for (int j = 0; j < h.match().size(); j++) {
        try {
          ExcludeMatcher.validatePattern(h.match().get(j));
        } catch (IllegalArgumentException e) {
          throw fail(at + ".match[" + j + "]", e.getMessage());
        }
      }
      if (h.run().isEmpty()) {
        throw fail(at + ".run", "is empty: give the program and its arguments, e.g. [\"/usr/bin/php\", \"/etc/replicator/opcache.php\"]");
      }
      for (int j = 0; j < h.run().size(); j++) {
        if (h.run().get(j).indexOf('\0') >= 0) {
          throw fail(at + ".run[" + j + "]", "contains a NUL character");
        }
      }
      if (!h.run().get(0).startsWith("/")) {
        throw fail(at + ".run[0]", "'" + h.run().get(0) + "' is not an absolute path; hooks are not looked up in PATH, write e.g. /usr/bin/"
            + h.run().get(0));
      }
      range(h.timeoutSeconds(), HOOK_TIMEOUT_SECONDS, at + ".timeout_s");
    }
  }

  /**
   * The read-only endpoints: valid addresses, and no two listeners of
   * the agents on one host string (replication, metrics, agent-check) on the same address.
   */
  private void endpoints(Map<String, String> listeners, int i) throws ConfigException {
    NodeConfig n = config.nodes().get(i);
    String key = "nodes[" + i + "]";
    listener(listeners, n, n.metrics().orElse(null), key + ".metrics");
    listener(listeners, n, n.agentCheck().orElse(null), key + ".agent_check");
  }

  private void listener(Map<String, String> listeners, NodeConfig n, Endpoint e, String key) throws ConfigException {
    if (e == null) {
      return;
    }
    range(e.port(), PORT, key);
    String previous = listeners.putIfAbsent(n.host() + " " + e.address(), key);
    if (previous != null) {
      throw fail(key, e.address() + " is already taken by " + where(previous) + " on the same host; each endpoint needs its own address");
    }
  }

  /** state_dir outside every docroot on its host; no two agents on one host share a tree. */
  private void placement(int i) throws ConfigException {
    NodeConfig n = config.nodes().get(i);
    String key = "nodes[" + i + "]";
    Path state = config.stateDirOf(n);
    Path docroot = config.docrootOf(n);
    String stateWhy = n.stateDir().isPresent() ? "" : " (the default state_dir)";
    for (int j = 0; j < config.nodes().size(); j++) {
      NodeConfig m = config.nodes().get(j);
      if (j != i && !m.host().equals(n.host())) {
        continue;
      }
      Path otherDocroot = config.docrootOf(m);
      if (state.startsWith(otherDocroot)) {
        String whose = j == i ? "its own docroot" : "the docroot of node '" + m.name() + "' on the same host";
        throw fail(key + ".state_dir", "'" + state + "'" + stateWhy + " is " + (state.equals(otherDocroot) ? "" : "inside ")
            + whose + " '" + otherDocroot + "'; state, journal and keys must never be served or replicated: "
            + "set state_dir outside every docroot, e.g. " + Path.of(ClusterConfig.DEFAULT_STATE_ROOT, n.name()));
      }
      if (j < i) {
        if (state.equals(config.stateDirOf(m))) {
          throw fail(key + ".state_dir", "'" + state + "'" + stateWhy + " is also the state_dir of node '" + m.name() + "' on the same host; give each agent its own");
        }
        if (docroot.startsWith(otherDocroot) || otherDocroot.startsWith(docroot)) {
          throw fail(key + ".docroot", "'" + docroot + "' overlaps the docroot '" + otherDocroot + "' of node '" + m.name() + "' on the same host; each agent needs its own tree");
        }
      }
    }
  }

  void name(String name, String key) throws ConfigException {
    if (!NAME.matcher(name).matches()) {
      throw fail(key, "'" + name + "' is not a valid name: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit");
    }
  }

  private void range(long value, Range range, String key) throws ConfigException {
    if (!range.contains(value)) {
      throw fail(key, value + " is out of range " + range);
    }
  }

  void absolute(String path, String key) throws ConfigException {
    if (path.indexOf('\0') >= 0) {
      throw fail(key, "contains a NUL character");
    }
    if (!path.startsWith("/")) {
      throw fail(key, "'" + path + "' is not an absolute path");
    }
    if (path.equals("/")) {
      throw fail(key, "must not be '/' (the whole filesystem)");
    }
    String normal = Path.of(path).normalize().toString();
    if (!normal.equals(path)) {
      throw fail(key, "'" + path + "' is not a normalised path (no '.', '..' or '//'); did you mean '" + normal + "'?");
    }
  }

  String where(String key) {
    int line = lines.of(key);
    return line > 0 ? key + " at line " + line : key;
  }

  ConfigException fail(String key, String detail) {
    return new ConfigException(config.sourceFile(), lines.of(key), key, detail);
  }
}
