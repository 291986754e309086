package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file over 4 GiB travels in bounded memory (256 KiB chunks, the agents' heap is what the test
 * JVM has) and keeps its holes, whole and then as a patch. Sparse, so that it costs seconds and
 * no disk.
 */
class LargeFileIT {
  @TempDir Path dir;

  @Test
  void fileOverFourGibibytesArrivesWholeThenAsAPatchAndKeepsItsHoles() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "")) {
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();
      Path big = cluster.docroot("master").resolve("backup.tar");
      Random random = new Random(5);
      try (FileChannel ch = FileChannel.open(big, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
        for (long at : new long[] {0, 3L << 30, (4L << 30) + 12345}) {
          byte[] data = new byte[1 << 20];
          random.nextBytes(data);
          ch.write(ByteBuffer.wrap(data), at);
        }
        ch.truncate(5L << 30);
        ch.write(ByteBuffer.wrap(new byte[] {7}), (5L << 30) - 1);
      }
      assertThat(Files.size(big)).isGreaterThan(4L << 30);
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      Path copy = cluster.docroot("slave1").resolve("backup.tar");
      long blocks = Long.parseLong(new String(new ProcessBuilder("stat", "-c", "%b", copy.toString()).start().getInputStream().readAllBytes(),
          StandardCharsets.US_ASCII).trim());
      assertThat(blocks * 512).as("bytes allocated on the slave for 3 MiB of data in 5 GiB").isLessThan(64L << 20);
      assertThat(cluster.leftoverTempFiles()).isEmpty();

      // Then a 1 MiB edit inside a hole: a patch, streamed in bounded memory at every step
      // (signature, delta, copy of 5 GiB of basis), and the holes stay holes.
      long sentBefore = cluster.masterStatus().path("slaves").get(0).path("sentBytes").asLong();
      byte[] edit = new byte[1 << 20];
      random.nextBytes(edit);
      try (FileChannel ch = FileChannel.open(big, StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(edit), 2L << 30);
      }
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      long sent = cluster.masterStatus().path("slaves").get(0).path("sentBytes").asLong() - sentBefore;
      assertThat(sent).as("bytes sent for a 1 MiB edit of a 5 GiB file").isBetween(1L << 20, 2L << 20);
      long after = Long.parseLong(new String(new ProcessBuilder("stat", "-c", "%b", copy.toString()).start().getInputStream().readAllBytes(),
          StandardCharsets.US_ASCII).trim());
      assertThat(after * 512).as("bytes allocated on the slave after the patch").isLessThan(64L << 20);
      assertThat(cluster.leftoverTempFiles()).isEmpty();
    }
  }
}
