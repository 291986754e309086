package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pause holds every change on the master (across a restart); resume delivers all of them. */
class PauseIT {
  @TempDir Path dir;

  @Test
  void pausedMasterSendsNothingUntilResumedEvenAcrossARestart() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "")) {
      Path master = cluster.docroot("master");
      Files.writeString(master.resolve("index.php"), "<?php");
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();

      assertThat(cluster.master().setPaused(true)).containsEntry("changed", true);
      for (int i = 0; i < 300; i++) {
        Files.writeString(master.resolve("during-" + i + ".txt"), "change " + i); // more than the link's queue holds
      }
      assertThat(cluster.master().awaitAllApplied(2000)).as("nothing is applied while paused").isFalse();
      assertThat(cluster.docroot("slave1").resolve("during-0.txt")).doesNotExist();
      assertThat(cluster.masterStatus().path("state").asText()).isEqualTo("paused");

      cluster.stop("master");
      cluster.start("master");
      assertThat(cluster.master().awaitAllApplied(2000)).as("still paused after a restart").isFalse();
      assertThat(cluster.docroot("slave1").resolve("during-0.txt")).doesNotExist();

      assertThat(cluster.master().setPaused(false)).containsEntry("changed", true);
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      assertThat(cluster.masterStatus().path("state").asText()).isEqualTo("running");
    }
  }
}
