package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Master and two slaves in one JVM on loopback: the common changes, end to end. */
class ReplicationIT {
  @TempDir Path dir;
  InProcessCluster cluster;
  Path master;

  @BeforeEach
  void start() throws Exception {
    cluster = new InProcessCluster(dir, 2, "");
    master = cluster.docroot("master");
    Files.writeString(master.resolve("index.php"), "<?php echo 'hi';\n");
    cluster.startAll();
    assertThat(cluster.awaitApplied()).isTrue();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private void assertConverged() throws Exception {
    assertThat(cluster.awaitApplied()).as("every slave applied everything").isTrue();
    assertThat(cluster.differences()).isEmpty();
    assertThat(cluster.leftoverTempFiles()).isEmpty();
  }

  @Test
  void initialTreeArrivesOnEverySlave() throws Exception {
    assertConverged();
  }

  @Test
  void createsEditsAndDeletesArrive() throws Exception {
    Files.createDirectories(master.resolve("wp-content/themes/t"));
    Files.writeString(master.resolve("wp-content/themes/t/style.css"), "body{}");
    Files.write(master.resolve("empty.txt"), new byte[0]);
    assertConverged();
    Files.writeString(master.resolve("wp-content/themes/t/style.css"), "body{color:red}");
    Files.delete(master.resolve("empty.txt"));
    assertConverged();
    assertThat(cluster.docroot("slave1").resolve("empty.txt")).doesNotExist();
  }

  @Test
  void metadataSymlinksAndHardLinksArriveAsTheyAre() throws Exception {
    Path file = master.resolve("secret.php");
    Files.writeString(file, "<?php // 0600");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2024-02-29T12:34:56.123456789Z")));
    Files.createSymbolicLink(master.resolve("absolute-link"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(master.resolve("dangling"), Path.of("../nowhere/at/all"));
    Files.createLink(master.resolve("hard.php"), file);
    Files.writeString(master.resolve("name with spaces\nand newline ☃"), "utf-8");
    Files.writeString(master.resolve("x".repeat(255)), "long name");
    assertConverged();
    Path slaveFile = cluster.docroot("slave2").resolve("secret.php");
    assertThat(Files.getAttribute(slaveFile, "unix:ino")).isEqualTo(Files.getAttribute(cluster.docroot("slave2").resolve("hard.php"), "unix:ino"));
    assertThat(Files.readSymbolicLink(cluster.docroot("slave1").resolve("absolute-link"))).isEqualTo(Path.of("/etc/passwd"));
  }

  @Test
  void sameSizeEditsWithTheSameMtimeAreNeverLost() throws Exception {
    Path file = master.resolve("counter.txt");
    FileTime fixed = FileTime.from(Instant.parse("2025-01-01T00:00:00Z"));
    for (int round = 0; round < 15; round++) {
      Files.writeString(file, String.format("round %02d", round), StandardCharsets.UTF_8);
      Files.setLastModifiedTime(file, fixed);
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(Files.readString(cluster.docroot("slave1").resolve("counter.txt"))).isEqualTo(String.format("round %02d", round));
    }
    assertConverged();
  }

  @Test
  void renamedDirectoryTravelsAsAMoveNotAsItsContent() throws Exception {
    Path folder = master.resolve("wp-content/uploads/2026");
    Files.createDirectories(folder);
    Random random = new Random(7);
    long total = 0;
    for (int i = 0; i < 1000; i++) {
      byte[] data = new byte[4096];
      random.nextBytes(data);
      Files.write(folder.resolve("img-" + i + ".jpg"), data);
      total += data.length;
    }
    assertConverged();
    long before = sentBytes();
    Files.move(folder, master.resolve("wp-content/uploads/archive-2026"));
    assertConverged();
    long sent = sentBytes() - before;
    assertThat(sent).as("bytes sent to two slaves for renaming %d bytes of files", total).isLessThan(total / 20);
  }

  @Test
  void sparseFileKeepsItsHoles() throws Exception {
    Path sparse = master.resolve("sparse.bin");
    try (var ch = java.nio.channels.FileChannel.open(sparse, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {1}), 64L << 20);
    }
    assertConverged();
    long blocks = Long.parseLong(new String(new ProcessBuilder("stat", "-c", "%b", cluster.docroot("slave1").resolve("sparse.bin").toString())
        .start().getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim());
    assertThat(blocks * 512).as("allocated bytes on the slave").isLessThan(1 << 20);
  }

  private long sentBytes() {
    long sum = 0;
    for (var s : cluster.masterStatus().path("slaves")) {
      sum += s.path("sentBytes").asLong();
    }
    return sum;
  }
}
