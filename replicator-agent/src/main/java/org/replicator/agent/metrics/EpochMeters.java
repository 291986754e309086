package org.replicator.agent.metrics;

import io.micrometer.core.instrument.Tags;
import java.util.List;
import org.replicator.core.role.Fence;

/**
 * The epoch gauges both roles export: {@code replicator_cluster_epoch} (the highest epoch this node
 * has seen) and {@code replicator_cluster_master{master=NAME}}, 1 for the node that is master at
 * it and 0 for every other node of the cluster (one series per node, so an alert needs no join).
 */
public final class EpochMeters {
  private EpochMeters() {}

  public static void bind(Meters meters, Fence fence, List<String> nodes) {
    meters.gauge("replicator.cluster.epoch", fence, f -> f.current().number(), null, Tags.empty(),
        "the highest epoch this node has seen (each promote starts the next one; 0 = the cluster file's roles)");
    for (String node : nodes) {
      meters.gauge("replicator.cluster.master", fence, f -> f.current().master().equals(node) ? 1 : 0, null, Tags.of("master", node),
          "1 for the node that is master at the epoch this node knows, 0 for the others");
    }
  }
}
