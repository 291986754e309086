package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.config.NodeConfig;

/**
 * The fixture of the hostile-peer suites: a running slave (its master not started, so a scripted
 * one can speak to it) and a sentinel file outside its docroot. After each test nothing new
 * exists outside the root, the sentinel is untouched, and the slave still serves a real master:
 * trees equal, no temp file left.
 */
abstract class SlaveUnderAttack {
  @TempDir Path dir;
  InProcessCluster cluster;
  NodeConfig slave;
  Path slaveRoot;
  Path outside;
  final String sentinel;

  SlaveUnderAttack(String sentinel) {
    this.sentinel = sentinel;
  }

  @BeforeEach
  void start() throws Exception {
    cluster = new InProcessCluster(dir.resolve("cluster"), 1, "");
    Files.writeString(cluster.docroot("master").resolve("index.php"), "<?php");
    outside = dir.resolve("outside");
    Files.createDirectories(outside);
    Files.writeString(outside.resolve("sentinel"), sentinel);
    cluster.start("slave1");
    slave = cluster.config().node("slave1");
    slaveRoot = cluster.docroot("slave1");
  }

  @AfterEach
  void nothingEscapedAndTheSlaveStillServes() throws Exception {
    try (var files = Files.list(outside)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("sentinel");
    }
    assertThat(Files.readString(outside.resolve("sentinel"))).isEqualTo(sentinel);
    cluster.start("master");
    assertThat(cluster.awaitApplied()).as("the slave still serves a good master").isTrue();
    assertThat(cluster.differences()).isEmpty();
    assertThat(cluster.leftoverTempFiles()).isEmpty();
    cluster.close();
  }
}
