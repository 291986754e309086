package org.replicator.agent.api;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.replicator.agent.role.EpochStore;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.role.Epoch;

/**
 * Which node the CLI should ask for master-only requests ({@code wait}, {@code verify}, ...): the
 * master of the highest epoch recorded in the state dirs this machine can read, else the cluster
 * file's {@code role: master}. After a failover the file may still name the old master until an
 * operator edits it; a command run on the new master's machine then asks the right agent without
 * that edit.
 *
 * <p>An epoch file this user cannot read, or one that does not parse, is skipped: the agent of that
 * node refuses to start and says why, which {@code status} shows; the CLI should not fail for it.
 */
public final class CurrentMaster {
  private CurrentMaster() {}

  public static NodeConfig of(ClusterConfig cluster) {
    Epoch best = null;
    for (NodeConfig node : cluster.nodes()) {
      Path stateDir = cluster.stateDirOf(node);
      if (!Files.isReadable(stateDir.resolve(EpochStore.FILE))) {
        continue;
      }
      try {
        Epoch epoch = EpochStore.peek(stateDir);
        if (best == null || epoch.isNewerThan(best)) {
          best = epoch;
        }
      } catch (IOException | RuntimeException unreadable) {
        // Skipped on purpose: see the class comment.
      }
    }
    if (best != null) {
      String name = best.master();
      for (NodeConfig node : cluster.nodes()) {
        if (node.name().equals(name)) {
          return node;
        }
      }
    }
    return cluster.master();
  }
}
