package org.replicator.core.config;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import net.openhft.hashing.LongHashFunction;
import org.replicator.core.apply.SwapPatterns;
import org.replicator.core.ignore.ExcludeMatcher;

/**
 * The cluster file, parsed and validated ({@link ClusterConfigLoader}). Keys, defaults and rules
 * are documented in docs/configuration.md; the defaults live here so code and docs name one place.
 *
 * <p>{@code docroot} is the cluster-wide docroot, or "" when every node names its own. Paths are
 * absolute and normalised. {@code health} holds the lag thresholds of agent-check and freshness;
 * {@code hooks} the slaves' post-apply hooks ({@link #hooksOf} applies a node's override);
 * {@code stack} what {@code replicator generate} needs beyond replication (never hashed, never reloaded).
 * A record built by hand is not validated: pass it to {@link
 * ClusterConfigValidator#validate(ClusterConfig)} before use.
 */
public record ClusterConfig(
    Path sourceFile,
    String cluster,
    String docroot,
    List<String> userExcludes,
    boolean defaultExcludes,
    int batchWindowMillis,
    int batchMaxEvents,
    DeletePolicy delete,
    double massDeleteThreshold,
    int massDeleteMinPaths,
    long bandwidthLimitBytesPerSecond,
    int reconcileIntervalSeconds,
    int antiEntropyIntervalSeconds,
    TransportMode transport,
    List<NodeConfig> nodes,
    HealthConfig health,
    List<HookConfig> hooks,
    JournalConfig journal,
    StackConfig stack,
    List<String> swapDirectories) {

  public static final int DEFAULT_BATCH_WINDOW_MILLIS = 20;
  public static final int DEFAULT_BATCH_MAX_EVENTS = 1000;
  public static final DeletePolicy DEFAULT_DELETE = DeletePolicy.TRUE;
  public static final double DEFAULT_MASS_DELETE_THRESHOLD = 0.5;
  public static final int DEFAULT_MASS_DELETE_MIN_PATHS = 100;
  public static final int DEFAULT_RECONCILE_INTERVAL_SECONDS = 300;
  /** Hourly: a slave's manifest costs it a stat of every path (and a hash of what changed). */
  public static final int DEFAULT_ANTI_ENTROPY_INTERVAL_SECONDS = 3600;
  public static final TransportMode DEFAULT_TRANSPORT = TransportMode.TLS;
  /** Parent of a node's default state_dir: {@code /var/lib/replicator/<name>}. */
  public static final String DEFAULT_STATE_ROOT = "/var/lib/replicator";

  // Bumped whenever the canonical form below changes, so old and new agents never agree by luck.
  private static final String HASH_FORMAT = "replicator-config-v2";

  public ClusterConfig {
    Objects.requireNonNull(sourceFile, "sourceFile");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(docroot, "docroot");
    Objects.requireNonNull(delete, "delete");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(journal, "journal");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(stack, "stack");
    userExcludes = List.copyOf(userExcludes);
    nodes = List.copyOf(nodes);
    hooks = List.copyOf(hooks);
    swapDirectories = List.copyOf(swapDirectories);
  }

  /** Without {@code swap_directories}: the default plugin and theme patterns. */
  public ClusterConfig(Path sourceFile, String cluster, String docroot, List<String> userExcludes, boolean defaultExcludes,
      int batchWindowMillis, int batchMaxEvents, DeletePolicy delete, double massDeleteThreshold, int massDeleteMinPaths,
      long bandwidthLimitBytesPerSecond, int reconcileIntervalSeconds, int antiEntropyIntervalSeconds, TransportMode transport,
      List<NodeConfig> nodes, HealthConfig health, List<HookConfig> hooks, JournalConfig journal, StackConfig stack) {
    this(sourceFile, cluster, docroot, userExcludes, defaultExcludes, batchWindowMillis, batchMaxEvents, delete,
        massDeleteThreshold, massDeleteMinPaths, bandwidthLimitBytesPerSecond, reconcileIntervalSeconds,
        antiEntropyIntervalSeconds, transport, nodes, health, hooks, journal, stack, SwapPatterns.DEFAULTS);
  }

  /** Directories a slave replaces in one exchange ({@code swap_directories}, see docs/configuration.md). */
  public SwapPatterns swapPatterns() {
    return SwapPatterns.of(swapDirectories);
  }

  /** A cluster without stack sections ({@link StackConfig#NONE}). */
  public ClusterConfig(Path sourceFile, String cluster, String docroot, List<String> userExcludes, boolean defaultExcludes,
      int batchWindowMillis, int batchMaxEvents, DeletePolicy delete, double massDeleteThreshold, int massDeleteMinPaths,
      long bandwidthLimitBytesPerSecond, int reconcileIntervalSeconds, int antiEntropyIntervalSeconds, TransportMode transport,
      List<NodeConfig> nodes, HealthConfig health, List<HookConfig> hooks, JournalConfig journal) {
    this(sourceFile, cluster, docroot, userExcludes, defaultExcludes, batchWindowMillis, batchMaxEvents, delete,
        massDeleteThreshold, massDeleteMinPaths, bandwidthLimitBytesPerSecond, reconcileIntervalSeconds,
        antiEntropyIntervalSeconds, transport, nodes, health, hooks, journal, StackConfig.NONE);
  }

  /** The node called {@code name}; the error lists the names the file does define. */
  public NodeConfig node(String name) throws ConfigException {
    for (NodeConfig node : nodes) {
      if (node.name().equals(name)) {
        return node;
      }
    }
    throw new ConfigException(
        sourceFile,
        0,
        "nodes",
        "no node named '" + name + "'; the file defines "
            + nodes.stream().map(NodeConfig::name).collect(Collectors.joining(", ")));
  }

  /** The single master of a validated config. */
  public NodeConfig master() {
    return nodes.stream()
        .filter(NodeConfig::isMaster)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException(sourceFile + ": no master (config not validated?)"));
  }

  /** Every slave, in file order. */
  public List<NodeConfig> slaves() {
    return nodes.stream().filter(n -> n.role() == Role.SLAVE).toList();
  }

  /** The node's own docroot, or the cluster one. */
  public Path docrootOf(NodeConfig node) {
    return Path.of(node.docroot().orElse(docroot));
  }

  /** The hooks {@code node} runs: its own list when it has one, else the cluster's. */
  public List<HookConfig> hooksOf(NodeConfig node) {
    return node.hooks().orElse(hooks);
  }

  /** The node's own state_dir, or /var/lib/replicator/&lt;name&gt;. */
  public Path stateDirOf(NodeConfig node) {
    return node.stateDir().map(Path::of).orElseGet(() -> Path.of(DEFAULT_STATE_ROOT, node.name()));
  }

  /**
   * The exclude list in priority order: WordPress defaults (when {@code exclude_defaults}) then
   * the user's, so a user's '!' pattern can re-include a default. The reserved {@code
   * /.replicator/} folder is not listed: the matcher always excludes it.
   */
  public List<String> effectiveExcludes() {
    List<String> all = new ArrayList<>();
    if (defaultExcludes) {
      all.addAll(ExcludeMatcher.WORDPRESS_DEFAULTS);
    }
    all.addAll(userExcludes);
    return List.copyOf(all);
  }

  /** Compiles {@link #effectiveExcludes()}; build once and keep it. */
  public ExcludeMatcher excludeMatcher() {
    return new ExcludeMatcher(effectiveExcludes());
  }

  /**
   * A stable 64-bit hash of what master and slaves must agree on to replicate safely: the cluster
   * name, the effective exclude list (in order: order matters with '!') and the sorted node names.
   * Roles are left out: which node is master is the cluster's epoch (core.role), and nodes at
   * different epochs must still agree on the hash to reach the epoch check. Hosts, ports, docroots, state dirs, tunables and the stack sections are left out because they
   * legitimately differ per node or can change without breaking a peer. The transport is left out
   * too: peers that disagree on it cannot exchange the hash at all (the TLS handshake fails first). XXH3 over UTF-8 of a
   * NUL-separated canonical form (patterns and names can never contain NUL).
   */
  public long replicationHash() {
    StringBuilder canon = new StringBuilder(HASH_FORMAT).append('\0');
    canon.append("cluster\0").append(cluster).append('\0');
    for (String pattern : effectiveExcludes()) {
      canon.append("exclude\0").append(pattern).append('\0');
    }
    nodes.stream()
        .sorted(Comparator.comparing(NodeConfig::name))
        .forEach(n -> canon.append("node\0").append(n.name()).append('\0'));
    byte[] bytes = canon.toString().getBytes(StandardCharsets.UTF_8);
    return LongHashFunction.xx3().hashBytes(bytes);
  }
}
