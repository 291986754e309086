package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

  /**
   * A TLS ClientHello read as a frame has a huge length field (0x16030100...): on a plain-TCP
   * slave the log says transport probably differs between nodes. (RefusedFrameIT checks that a TLS
   * slave does not say so.)
   */
  @Test
  void tlsPeerAtAPlainSlaveIsToldThatTransportDiffers() throws Exception {
    try (RecordingAppender log = new RecordingAppender("org.replicator.agent.slave.SlaveReceiverHandler");
        InProcessCluster cluster = new InProcessCluster(dir, 1, "transport: plain\n")) {
      cluster.start("slave1");
      var slave = cluster.config().node("slave1");
      try (java.net.Socket socket = new java.net.Socket(slave.host(), slave.port())) {
        // The first bytes of a TLS 1.2/1.3 ClientHello record.
        socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc});
        socket.getOutputStream().flush();
        await().atMost(Duration.ofSeconds(10))
            .until(() -> !log.containing("closing connection", "a TLS peer talking to a plain-TCP slave?").isEmpty());
      }
    }
  }
}
