package org.replicator.core.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a reloaded cluster file changes for one running agent ({@code replicator reload}): the
 * slaves to add and to remove, and the changes that only a restart can apply. Live: the slave
 * list (a slave whose host or port changed is removed and added again), {@code hooks} and {@code
 * health}. Everything else is bound when the agent starts (the watcher's excludes, the planner's
 * settings, the listeners, TLS), so a difference there is listed in {@link #restartNeeded()} and
 * the whole reload is refused.
 */
public record ConfigChange(List<NodeConfig> addedSlaves, List<NodeConfig> removedSlaves, List<String> restartNeeded) {
  public ConfigChange {
    addedSlaves = List.copyOf(addedSlaves);
    removedSlaves = List.copyOf(removedSlaves);
    restartNeeded = List.copyOf(restartNeeded);
  }

  /** The change from {@code old} to {@code next} as seen by the agent of node {@code self}. */
  public static ConfigChange between(ClusterConfig old, ClusterConfig next, String self) {
    List<String> restart = new ArrayList<>();
    differs(restart, "cluster", old.cluster(), next.cluster());
    if (!old.effectiveExcludes().equals(next.effectiveExcludes())) {
      restart.add("exclude (the exclude list differs)");
    }
    differs(restart, "batch_window_ms", old.batchWindowMillis(), next.batchWindowMillis());
    differs(restart, "batch_max_events", old.batchMaxEvents(), next.batchMaxEvents());
    differs(restart, "delete", old.delete(), next.delete());
    differs(restart, "mass_delete_threshold", old.massDeleteThreshold(), next.massDeleteThreshold());
    differs(restart, "mass_delete_min_paths", old.massDeleteMinPaths(), next.massDeleteMinPaths());
    differs(restart, "bandwidth_limit", old.bandwidthLimitBytesPerSecond(), next.bandwidthLimitBytesPerSecond());
    differs(restart, "reconcile_interval_s", old.reconcileIntervalSeconds(), next.reconcileIntervalSeconds());
    differs(restart, "anti_entropy_interval_s", old.antiEntropyIntervalSeconds(), next.antiEntropyIntervalSeconds());
    differs(restart, "transport", old.transport(), next.transport());
    differs(restart, "journal", old.journal(), next.journal());
    differs(restart, "swap_directories", old.swapDirectories(), next.swapDirectories());

    NodeConfig me = find(old, self).orElseThrow(() -> new IllegalArgumentException("node '" + self + "' is not in the running config"));
    Optional<NodeConfig> meNext = find(next, self);
    if (meNext.isEmpty()) {
      restart.add("nodes: this node ('" + self + "') is not in the new file (stop its agent instead)");
    } else {
      NodeConfig n = meNext.get();
      differs(restart, "nodes[" + self + "].role", me.role(), n.role());
      differs(restart, "nodes[" + self + "].host/port", me.address(), n.address());
      differs(restart, "nodes[" + self + "].docroot", old.docrootOf(me), next.docrootOf(n));
      differs(restart, "nodes[" + self + "].state_dir", old.stateDirOf(me), next.stateDirOf(n));
      differs(restart, "nodes[" + self + "].metrics", me.metrics(), n.metrics());
      differs(restart, "nodes[" + self + "].agent_check", me.agentCheck(), n.agentCheck());
    }
    NodeConfig master = old.master();
    Optional<NodeConfig> masterNext = next.nodes().stream().filter(NodeConfig::isMaster).findFirst();
    if (masterNext.isEmpty() || !masterNext.get().name().equals(master.name())) {
      restart.add("nodes: the master changes from '" + master.name() + "' to '" + masterNext.map(NodeConfig::name).orElse("none") + "'");
    }

    List<NodeConfig> added = new ArrayList<>();
    List<NodeConfig> removed = new ArrayList<>();
    for (NodeConfig s : old.slaves()) {
      Optional<NodeConfig> still = find(next, s.name()).filter(n -> !n.isMaster());
      if (still.isEmpty() || !still.get().address().equals(s.address())) {
        removed.add(s);
      }
    }
    for (NodeConfig s : next.slaves()) {
      Optional<NodeConfig> before = find(old, s.name()).filter(n -> !n.isMaster());
      if (before.isEmpty() || !before.get().address().equals(s.address())) {
        added.add(s);
      }
    }
    return new ConfigChange(added, removed, restart);
  }

  public boolean needsRestart() {
    return !restartNeeded.isEmpty();
  }

  private static Optional<NodeConfig> find(ClusterConfig c, String name) {
    return c.nodes().stream().filter(n -> n.name().equals(name)).findFirst();
  }

  private static void differs(List<String> out, String key, Object a, Object b) {
    if (!Objects.equals(a, b)) {
      out.add(key + " (" + a + " -> " + b + ")");
    }
  }
}
