package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.api.ControlClient;
import org.replicator.agent.control.ControlServer;

/** verify reports drift on a slave without touching it; resync repairs exactly that drift. */
class TreeCheckIT {
  @TempDir Path dir;
  InProcessCluster cluster;
  Path master;
  Path slave1;

  @BeforeEach
  void start() throws Exception {
    cluster = new InProcessCluster(dir, 2, "");
    master = cluster.docroot("master");
    Random random = new Random(3);
    for (int d = 0; d < 5; d++) {
      Files.createDirectories(master.resolve("wp-content/uploads/d" + d));
      for (int f = 0; f < 20; f++) {
        byte[] data = new byte[1000 + random.nextInt(200_000)];
        random.nextBytes(data);
        Files.write(master.resolve("wp-content/uploads/d" + d + "/f" + f + ".jpg"), data);
      }
    }
    Files.writeString(master.resolve("index.php"), "<?php echo 'hello';");
    cluster.startAll();
    assertThat(cluster.awaitApplied()).isTrue();
    slave1 = cluster.docroot("slave1");
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private JsonNode check(boolean repair, String slave) throws Exception {
    return new ObjectMapper().valueToTree(cluster.master().checkTrees(slave, repair, 120_000));
  }

  private void damageSlave1() throws Exception {
    Files.writeString(slave1.resolve("index.php"), "<?php echo 'defaced';");
    Files.delete(slave1.resolve("wp-content/uploads/d1/f3.jpg"));
    Files.writeString(slave1.resolve("wp-content/uploads/d2/backdoor.php"), "<?php eval($_GET['x']);");
    try (var ch = java.nio.channels.FileChannel.open(slave1.resolve("wp-content/uploads/d3/f4.jpg"), java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(10);
    }
    Files.setPosixFilePermissions(slave1.resolve("wp-content/uploads/d4/f5.jpg"), PosixFilePermissions.fromString("rwxrwxrwx"));
    Files.writeString(slave1.resolve("wp-content/uploads/d0/.f0.jpg.rsync-tmp"), "half a file left by a killed rsync");
    Files.createDirectories(slave1.resolve("wp-content/cache"));
    Files.writeString(slave1.resolve("wp-content/cache/page.html"), "local cache: excluded, never compared or touched");
  }

  private static List<String> paths(JsonNode report) {
    List<String> out = new ArrayList<>();
    report.path("differences").forEach(d -> out.add(d.path("path").asText()));
    return out;
  }

  @Test
  void verifyListsTheDriftAndChangesNothing() throws Exception {
    damageSlave1();
    JsonNode result = check(false, null);
    JsonNode s1 = result.path("slaves").get(0);
    JsonNode s2 = result.path("slaves").get(1);
    assertThat(s1.path("name").asText()).isEqualTo("slave1");
    assertThat(paths(s1)).containsExactlyInAnyOrder("index.php", "wp-content/uploads/d1/f3.jpg", "wp-content/uploads/d2/backdoor.php",
        "wp-content/uploads/d3/f4.jpg", "wp-content/uploads/d4/f5.jpg", "wp-content/uploads/d0/.f0.jpg.rsync-tmp");
    assertThat(s2.path("differenceCount").asLong()).isZero();
    assertThat(Files.readString(slave1.resolve("index.php"))).contains("defaced");
    assertThat(slave1.resolve("wp-content/uploads/d2/backdoor.php")).exists();
  }

  @Test
  void resyncRepairsExactlyTheDriftAndLeavesExcludedPathsAlone() throws Exception {
    damageSlave1();
    long sentBefore = cluster.masterStatus().path("slaves").get(0).path("sentBytes").asLong();
    JsonNode result = check(true, "slave1");
    assertThat(result.path("slaves")).hasSize(1);
    JsonNode s1 = result.path("slaves").get(0);
    assertThat(s1.path("differenceCount").asLong()).isEqualTo(6);
    assertThat(s1.path("files").asLong()).isEqualTo(3); // index.php, the deleted and the truncated image
    assertThat(s1.path("failures")).isEmpty();
    assertThat(cluster.differences()).isEmpty();
    assertThat(slave1.resolve("wp-content/cache/page.html")).exists();
    long sent = cluster.masterStatus().path("slaves").get(0).path("sentBytes").asLong() - sentBefore;
    long repairedBytes = Files.size(master.resolve("wp-content/uploads/d1/f3.jpg")) + Files.size(master.resolve("wp-content/uploads/d3/f4.jpg"));
    assertThat(sent).as("only the differences travel").isLessThan(repairedBytes + 64 * 1024);
    assertThat(check(false, null).path("differenceCount").asLong()).isZero();
  }

  @Test
  void liveChangesDuringAVerifyAreNotReportedAsDrift() throws Exception {
    for (int i = 0; i < 50; i++) {
      Files.writeString(master.resolve("live-" + i + ".txt"), "change " + i);
      if (i % 10 == 0) {
        assertThat(check(false, null).path("differenceCount").asLong()).isZero();
      }
    }
    assertThat(cluster.awaitApplied()).isTrue();
    assertThat(cluster.differences()).isEmpty();
  }

  /**
   * A verify asked of a slave that is down says at once what it waits for; when its client hangs
   * up (a CLI killed or interrupted) the agent drops it, and the next verify is not refused as
   * "already running" once the slave is back.
   */
  @Test
  void aWaitingVerifySaysWhatItWaitsForAndIsDroppedWhenItsClientHangsUp() throws Exception {
    cluster.stop("slave1");
    ControlServer control = new ControlServer(cluster.master());
    control.start();
    try {
      Path socket = ControlServer.socketPath(cluster.master().stateDir());
      try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        client.connect(UnixDomainSocketAddress.of(socket));
        client.write(ByteBuffer.wrap("{\"command\":\"verify\",\"slave\":\"slave1\"}\n".getBytes(StandardCharsets.UTF_8)));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
          JsonNode check = cluster.masterStatus().path("slaves").get(0).path("check");
          assertThat(check.path("kind").asText()).isEqualTo("verify");
          assertThat(check.path("phase").asText()).isEqualTo("waiting");
          assertThat(check.path("waitingFor").asText()).startsWith("waiting for slave slave1 to connect");
        });
      }
      await().atMost(Duration.ofSeconds(30)).untilAsserted(
          () -> assertThat(cluster.masterStatus().path("slaves").get(0).path("check").isNull()).as("check dropped").isTrue());
      cluster.start("slave1");
      JsonNode next = ControlClient.call(cluster.master().stateDir(), Map.of("command", "verify", "slave", "slave1"));
      assertThat(next.path("slaves").get(0).has("error")).as("%s", next).isFalse();
      assertThat(next.path("slaves").get(0).path("differenceCount").asLong()).isZero();
    } finally {
      control.close();
    }
  }

  /** A check that timed out waiting does not stay queued: the next one runs. */
  @Test
  void aCheckThatTimedOutDoesNotRefuseTheNext() throws Exception {
    cluster.stop("slave1");
    JsonNode timedOut = new ObjectMapper().valueToTree(cluster.master().checkTrees("slave1", false, 300));
    assertThat(timedOut.path("slaves").get(0).path("error").asText()).startsWith("no answer within 300 ms (waiting for slave slave1 to connect");
    cluster.start("slave1");
    JsonNode next = check(false, "slave1");
    assertThat(next.path("slaves").get(0).has("error")).as("%s", next).isFalse();
  }

  @Test
  void unknownSlaveIsAClearError() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> check(false, "nope")).hasMessageContaining("no slave named 'nope'");
  }
}
