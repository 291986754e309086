package org.replicator.agent;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmark, not a test: throughput of one large incompressible file from master to one slave
 * (both in this JVM, so encryption and decryption share the same cores), with {@code transport:
 * plain} and with TLS, alternating. On tmpfs ({@code /dev/shm}) when there is one, so that the disk
 * does not hide what the network stack costs. Prints MiB/s; asserts nothing. Run by hand:
 * {@code mvn -o verify -pl replicator-agent -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=TlsThroughputBenchIT -DexcludedTestGroups=none}
 */
@Tag("manual")
class TlsThroughputBenchIT {
  private static final long SIZE = 512L << 20;
  @TempDir Path dir;

  @Test
  void largeFileWithAndWithoutTls() throws Exception {
    Path shm = Path.of("/dev/shm");
    if (java.nio.file.Files.isDirectory(shm) && java.nio.file.Files.isWritable(shm)) {
      dir = java.nio.file.Files.createTempDirectory(shm, "tlsbench");
    }
    try {
      rounds();
    } finally {
      if (dir.startsWith(shm)) {
        new ProcessBuilder("rm", "-rf", dir.toString()).inheritIO().start().waitFor();
      }
    }
  }

  private void rounds() throws Exception {
    for (int round = 0; round < 3; round++) {
      for (String transport : new String[] {"plain", "tls"}) {
        System.out.println("TLSBENCH " + run(transport, round));
      }
    }
  }

  private String run(String transport, int round) throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir.resolve(transport + round), 1, "transport: " + transport + "\n")) {
      cluster.startAll();
      cluster.awaitApplied();
      Path file = cluster.docroot("master").resolve("big.bin");
      // 1 MiB of random bytes repeated: every 256 KiB chunk is incompressible on its own.
      byte[] block = new byte[1 << 20];
      new Random(7).nextBytes(block);
      Path staging = dir.resolve("staging-" + transport + round);
      try (FileChannel ch = FileChannel.open(staging, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        for (long at = 0; at < SIZE; at += block.length) {
          ch.write(ByteBuffer.wrap(block));
        }
        ch.force(true);
      }
      long t0 = System.nanoTime();
      java.nio.file.Files.move(staging, file);
      boolean applied = cluster.awaitApplied();
      double seconds = (System.nanoTime() - t0) / 1e9;
      return String.format(Locale.ROOT, "transport=%s round=%d size=%d MiB applied=%s seconds=%.2f throughput=%.0f MiB/s", transport, round,
          SIZE >> 20, applied, seconds, (SIZE >> 20) / seconds);
    }
  }
}
