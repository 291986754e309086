package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Large files changed by small edits travel as patches computed on the master against the
 * signature of the version the slaves hold: bytes on the wire stay near the size of the change.
 */
class DeltaTransferIT {
  private static final int SIZE = 16 << 20;

  @TempDir Path dir;
  InProcessCluster cluster;
  Path master;
  byte[] content;

  @BeforeEach
  void start() throws Exception {
    cluster = new InProcessCluster(dir, 2, "");
    master = cluster.docroot("master");
    content = new byte[SIZE];
    new Random(11).nextBytes(content);
    Files.write(master.resolve("backup.sql"), content);
    cluster.startAll();
    assertConverged();
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void fourKibEditInTheMiddleSendsAboutOneBlockPerSlave() throws Exception {
    long sent = sentAfter(() -> overwrite(master.resolve("backup.sql"), SIZE / 2, randomBytes(4096, 1)));
    assertThat(sent).as("bytes to two slaves for a 4 KiB edit of a 16 MiB file").isLessThan(2 * 16_000);
    assertThat(patchedFiles()).isEqualTo(2);
  }

  @Test
  void appendSendsTheAppendedBytes() throws Exception {
    long sent = sentAfter(() -> Files.write(master.resolve("backup.sql"), randomBytes(65536, 2), StandardOpenOption.APPEND));
    assertThat(sent).as("bytes to two slaves for a 64 KiB append").isBetween(2 * 65536L, 2 * 72_000L);
  }

  @Test
  void oneByteInsertedShiftsTheRestButCostsAboutOneBlock() throws Exception {
    byte[] shifted = new byte[SIZE + 1];
    int at = SIZE / 10;
    System.arraycopy(content, 0, shifted, 0, at);
    shifted[at] = 7;
    System.arraycopy(content, at, shifted, at + 1, SIZE - at);
    long sent = sentAfter(() -> saveByRename("backup.sql", shifted));
    assertThat(sent).as("bytes to two slaves for one inserted byte").isLessThan(2 * 16_000);
  }

  @Test
  void atomicSaveByRenameIsPatchedAgainstThePreviousVersion() throws Exception {
    byte[] edited = content.clone();
    System.arraycopy(randomBytes(1000, 3), 0, edited, 1_000_000, 1000);
    long sent = sentAfter(() -> saveByRename("backup.sql", edited));
    assertThat(sent).as("bytes to two slaves for an editor's save of a 16 MiB file").isLessThan(2 * 16_000);
  }

  @Test
  void patchesStillWorkAfterAMasterRestartWithoutRereadingTheFile() throws Exception {
    cluster.stop("master");
    cluster.start("master");
    assertConverged();
    long sent = sentAfter(() -> overwrite(master.resolve("backup.sql"), 123_456, randomBytes(100, 4)));
    assertThat(sent).isLessThan(2 * 16_000);
  }

  @Test
  void slaveWhoseCopyWasAlteredLocallyRefusesThePatchAndStillConverges() throws Exception {
    Path tampered = cluster.docroot("slave1").resolve("backup.sql");
    overwrite(tampered, 5_000_000, randomBytes(10, 5)); // same size, other content: a stale basis
    overwrite(master.resolve("backup.sql"), SIZE / 2, randomBytes(4096, 6));
    assertConverged();
    assertThat(Arrays.equals(Files.readAllBytes(tampered), Files.readAllBytes(master.resolve("backup.sql")))).isTrue();
  }

  @Test
  void fileLargerThanTheQueueBoundStaysOnTheLiveStream() throws Exception {
    byte[] big = randomBytes(40 << 20, 12); // over the link's 32 MiB bound for content held in memory
    Files.write(master.resolve("media.mp4"), big);
    assertConverged();
    long catchUps = catchUps();
    long sent = sentAfter(() -> overwrite(master.resolve("media.mp4"), 20 << 20, randomBytes(1000, 13)));
    assertThat(catchUps()).as("a change of a file streamed from disk is sent live, not by diff").isEqualTo(catchUps);
    assertThat(sent).isLessThan(2 * 16_000);
  }

  private long catchUps() {
    long sum = 0;
    for (var s : cluster.masterStatus().path("slaves")) {
      sum += s.path("catchUps").asLong();
    }
    return sum;
  }

  @Test
  void smallFilesStillTravelWhole() throws Exception {
    Files.write(master.resolve("small.css"), randomBytes(10_000, 8));
    assertConverged();
    Files.write(master.resolve("small.css"), randomBytes(10_000, 9));
    assertConverged();
    assertThat(patchedFiles()).isZero();
  }

  private interface Change {
    void run() throws IOException;
  }

  private long sentAfter(Change change) throws Exception {
    long before = sentBytes();
    change.run();
    assertConverged();
    return sentBytes() - before;
  }

  private void assertConverged() throws Exception {
    assertThat(cluster.awaitApplied()).as("every slave applied everything").isTrue();
    assertThat(cluster.differences()).isEmpty();
    assertThat(cluster.leftoverTempFiles()).isEmpty();
  }

  /**
   * A rewrite the way editors and WordPress save: the new version written next to the docroot
   * (same file system) and renamed over the old one. A rewrite in place (truncate, then write)
   * can be caught half-written when the writer pauses past the settle time on a loaded machine;
   * see docs/operations.md, known limits.
   */
  private void saveByRename(String rel, byte[] content) throws IOException {
    Path tmp = dir.resolve(rel + ".new");
    Files.write(tmp, content);
    Files.move(tmp, master.resolve(rel), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void overwrite(Path file, long at, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(bytes), at);
    }
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private long sentBytes() {
    long sum = 0;
    for (var s : cluster.masterStatus().path("slaves")) {
      sum += s.path("sentBytes").asLong();
    }
    return sum;
  }

  private long patchedFiles() {
    long sum = 0;
    for (var s : cluster.masterStatus().path("slaves")) {
      sum += s.path("patchedFiles").asLong();
    }
    return sum;
  }
}
