package org.replicator.agent;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fan-out benchmark, not a test: latency of a new 4 KiB file until it is on every slave, with 1
 * and with 8 slave agents (in this JVM, as the issue allows on 2 cores). Prints p50/p99; asserts
 * nothing. Run by hand:
 * {@code mvn -o verify -pl replicator-agent -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=FanOutBenchIT -DexcludedTestGroups=none}
 */
@Tag("manual")
class FanOutBenchIT {
  @TempDir Path dir;

  @Test
  void latencyWithOneAndWithEightSlaves() throws Exception {
    String one = run(1);
    String eight = run(8);
    System.out.println("FANOUT " + one);
    System.out.println("FANOUT " + eight);
  }

  private String run(int slaves) throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir.resolve("n" + slaves), slaves, "")) {
      cluster.startAll();
      cluster.awaitApplied();
      Path master = cluster.docroot("master");
      List<Path> targets = new ArrayList<>();
      for (String s : cluster.slaveNames()) {
        targets.add(cluster.docroot(s));
      }
      Random random = new Random(1);
      List<Double> all = new ArrayList<>();
      for (int rep = 0; rep < 60; rep++) {
        byte[] data = new byte[4096];
        random.nextBytes(data);
        String name = "f" + rep + ".bin";
        Files.write(master.resolve(name), data);
        long t0 = System.nanoTime();
        long deadline = t0 + 10_000_000_000L;
        boolean everywhere = false;
        while (!everywhere && System.nanoTime() < deadline) {
          everywhere = true;
          for (Path t : targets) {
            Path f = t.resolve(name);
            if (!Files.exists(f) || Files.size(f) != 4096) {
              everywhere = false;
              break;
            }
          }
          if (!everywhere) {
            Thread.onSpinWait();
          }
        }
        if (rep >= 10) {
          all.add((System.nanoTime() - t0) / 1e6);
        }
        Thread.sleep(50);
      }
      all.sort(null);
      return String.format(Locale.ROOT, "slaves=%d files=%d on-every-slave p50=%.1f ms p99=%.1f ms max=%.1f ms", slaves, all.size(),
          all.get(all.size() / 2), all.get((int) Math.ceil(all.size() * 0.99) - 1), all.get(all.size() - 1));
    }
  }
}
