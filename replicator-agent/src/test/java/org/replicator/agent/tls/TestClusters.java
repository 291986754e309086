package org.replicator.agent.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;

/** A small cluster file (master m, slaves s1 and s2) whose state dirs live under a test folder. */
final class TestClusters {
  private TestClusters() {}

  static ClusterConfig write(Path dir) throws Exception {
    StringBuilder y = new StringBuilder("cluster: t\nnodes:\n");
    String[][] nodes = {{"m", "master", "47101"}, {"s1", "slave", "47102"}, {"s2", "slave", "47103"}};
    for (String[] n : nodes) {
      y.append("  - {name: ").append(n[0]).append(", role: ").append(n[1]).append(", host: 127.0.0.1, port: ").append(n[2])
          .append(", docroot: ").append(dir.resolve("www-" + n[0])).append(", state_dir: ").append(dir.resolve("state-" + n[0])).append("}\n");
    }
    Files.createDirectories(dir);
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(file, y.toString());
    return ClusterConfigLoader.load(file);
  }
}
