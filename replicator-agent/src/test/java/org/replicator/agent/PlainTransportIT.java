package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code transport: plain} still replicates, needs no TLS material, and every agent says at every
 * start, as a warning, that its traffic is neither encrypted nor authenticated.
 */
class PlainTransportIT {
  @TempDir Path dir;

  @Test
  void plainTransportReplicatesAndWarnsAtEveryStart() throws Exception {
    try (RecordingAppender log = new RecordingAppender("org.replicator.agent.tls.NodeTls");
        InProcessCluster cluster = new InProcessCluster(dir, 1, "transport: plain\n")) {
      assertThat(cluster.caDir()).doesNotExist();
      Files.writeString(cluster.docroot("master").resolve("index.php"), "<?php");
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      cluster.stop("slave1");
      cluster.start("slave1");
      assertThat(log.containing("WARN node=slave1 transport=plain", "neither encrypted nor authenticated")).hasSize(2);
      assertThat(log.containing("WARN node=master transport=plain")).hasSize(1);
    }
  }
}
