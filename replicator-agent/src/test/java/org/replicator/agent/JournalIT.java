package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The master's change journal: restarts of either side resume from the slave's position, no tree comparison. */
class JournalIT {
  @TempDir Path dir;

  private static JsonNode slave(InProcessCluster cluster, String name) {
    for (JsonNode s : cluster.masterStatus().path("slaves")) {
      if (s.path("name").asText().equals(name)) {
        return s;
      }
    }
    throw new AssertionError("no slave " + name + " in the master's status");
  }

  @Test
  void slaveDownAcrossAMasterRestartIsSentTheJournaledBatchesWithoutACatchUp() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 2, "batch_window_ms: 50\n")) {
      Path master = cluster.docroot("master");
      for (int i = 0; i < 50; i++) {
        Files.writeString(master.resolve("before-" + i + ".txt"), "before " + i);
      }
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();

      cluster.stop("slave1");
      for (int i = 0; i < 30; i++) {
        Files.writeString(master.resolve("while-down-" + i + ".txt"), "written while slave1 was down " + i);
        Files.writeString(master.resolve("before-" + (i % 10) + ".txt"), "rewritten " + i); // each rewritten 3 times
        Thread.sleep(20);
      }
      Files.delete(master.resolve("before-20.txt"));
      assertThat(cluster.master().awaitAllApplied(2000)).as("wait with slave1 down").isFalse();
      // slave1 being dead does not hold slave2 back: it acknowledged the last journaled batch.
      long lastJournaled = cluster.masterStatus().path("journal").path("lastSeq").asLong();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (slave(cluster, "slave2").path("lastAckedSeq").asLong() < lastJournaled && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertThat(slave(cluster, "slave2").path("lastAckedSeq").asLong()).as("slave2's acknowledged batch").isEqualTo(lastJournaled);
      long journaled = slave(cluster, "slave1").path("journalBacklogBatches").asLong();
      assertThat(journaled).as("batches slave1 has not acknowledged").isGreaterThan(1);

      cluster.stop("master");
      cluster.start("master");
      cluster.start("slave1");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      assertThat(slave(cluster, "slave1").path("journalResumes").asLong()).as("slave1 resumed from the journal").isEqualTo(1);
      assertThat(slave(cluster, "slave1").path("catchUps").asLong()).as("slave1 catch-ups that sent changes").isZero();
      assertThat(slave(cluster, "slave2").path("catchUps").asLong()).as("slave2 catch-ups that sent changes").isZero();
      assertThat(slave(cluster, "slave1").path("journalBacklogBatches").asLong()).isZero();
      assertThat(Files.exists(cluster.stateDir("master").resolve("journal/acked-slave1"))).isTrue();
    }
  }

  @Test
  void slaveBehindWhatTheJournalRetainsFallsBackToATreeComparisonAndConverges() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "batch_window_ms: 50\n")) {
      Path master = cluster.docroot("master");
      Files.writeString(master.resolve("first.txt"), "first");
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();

      cluster.stop("slave1");
      for (int i = 0; i < 5; i++) {
        Files.writeString(master.resolve("while-down-" + i + ".txt"), "while down " + i);
        Thread.sleep(100);
      }
      assertThat(cluster.master().awaitAllApplied(1000)).isFalse();
      cluster.stop("master");
      // What retention does to an offline slave: the batches it needs are no longer journaled.
      try (var files = Files.list(cluster.stateDir("master").resolve("journal"))) {
        for (Path f : files.toList()) {
          if (f.toString().endsWith(".seg")) {
            Files.delete(f);
          }
        }
      }
      cluster.start("master");
      cluster.start("slave1");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      assertThat(slave(cluster, "slave1").path("journalResumes").asLong()).isZero();
      assertThat(slave(cluster, "slave1").path("catchUps").asLong()).as("catch-ups that sent changes").isEqualTo(1);
    }
  }
}
