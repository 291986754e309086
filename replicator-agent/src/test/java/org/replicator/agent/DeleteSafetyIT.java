package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.apply.TempFilesForTests;

/** An emptied or unmounted docroot never turns into deletes on every slave. */
class DeleteSafetyIT {
  @TempDir Path dir;

  @Test
  void massDeleteIsHeldUntilAnOperatorConfirmsIt() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 2, "mass_delete_threshold: 0.1\nmass_delete_min_paths: 10\n")) {
      Path master = cluster.docroot("master");
      Files.createDirectories(master.resolve("uploads"));
      for (int i = 0; i < 200; i++) {
        Files.writeString(master.resolve("uploads/f" + i), "x" + i);
      }
      Files.writeString(master.resolve("keep.php"), "keep");
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();

      for (int i = 0; i < 200; i++) {
        Files.delete(master.resolve("uploads/f" + i));
      }
      assertThat(cluster.master().awaitAllApplied(3000)).as("wait while the delete is held").isFalse();
      var status = cluster.masterStatus();
      assertThat(status.path("state").asText()).isEqualTo("held");
      assertThat(status.path("held").path("deletes").asInt()).isPositive();
      assertThat(status.path("message").asText()).contains("mass delete").contains("confirm-delete");
      try (var files = Files.list(cluster.docroot("slave1").resolve("uploads"))) {
        // The first batches of an `rm` loop may pass while the deletes of the last 10 s are still
        // at most 10% of the 202 entries; everything after is held.
        assertThat(files.count()).as("files still on the slave while held").isGreaterThanOrEqualTo(200 - 21);
      }

      Map<String, Object> released = cluster.master().confirmDelete();
      assertThat(released.get("released")).isEqualTo(true);
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      assertThat(cluster.masterStatus().path("state").asText()).isEqualTo("running");
    }
  }

  @Test
  void masterRefusesToStartOnADocrootThatLostItsMarker() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "")) {
      Files.writeString(cluster.docroot("master").resolve("index.php"), "<?php");
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();
      cluster.stop("master");
      // The disk is not mounted: the mount point is empty.
      TempFilesForTests.deleteTree(cluster.docroot("master"));
      Files.createDirectories(cluster.docroot("master"));

      assertThatThrownBy(() -> cluster.start("master"))
          .hasMessageContaining(cluster.docroot("master").toString())
          .hasMessageContaining("refusing to replicate");
      assertThat(cluster.docroot("slave1").resolve("index.php")).exists();
    }
  }

  @Test
  void slaveRefusesANonEmptyDocrootWithoutItsMarker() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "")) {
      Files.createDirectories(cluster.docroot("slave1"));
      Files.writeString(cluster.docroot("slave1").resolve("someone-elses.txt"), "not ours");
      assertThatThrownBy(() -> cluster.start("slave1")).hasMessageContaining("adopt");
      assertThat(Files.readString(cluster.docroot("slave1").resolve("someone-elses.txt"))).isEqualTo("not ours");
    }
  }
}
