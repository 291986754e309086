package org.replicator.agent;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.tls.TlsProvider;

/**
 * Benchmark, not a test: throughput of one large incompressible file from master to one slave
 * (both in this JVM, so encryption and decryption share the same cores), with {@code transport:
 * plain}, with TLS on the JDK's provider and with TLS on BoringSSL, alternating, then the median
 * of each and the cost of each TLS provider against plain. On tmpfs ({@code /dev/shm}) when there is one, so that the disk
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
    String[] variants = {"plain", "jdk", "openssl"};
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    for (int round = 0; round < Integer.getInteger("rounds", 5); round++) {
      for (String variant : variants) {
        double rate = run(variant, round);
        rates.computeIfAbsent(variant, v -> new ArrayList<>()).add(rate);
      }
    }
    double plain = median(rates.get("plain"));
    for (String variant : variants) {
      double m = median(rates.get(variant));
      System.out.printf(Locale.ROOT, "TLSBENCH median %-7s %6.0f MiB/s  cost vs plain %5.1f %%  runs=%s%n", variant, m,
          100 * (1 - m / plain), rates.get(variant));
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** One transfer; its files are deleted at once (nine runs of 1 GiB each once filled /dev/shm). */
  private double run(String variant, int round) throws Exception {
    String transport = variant.equals("plain") ? "plain" : "tls";
    if (!variant.equals("plain")) {
      System.setProperty(TlsProvider.PROPERTY, variant);
    }
    Path runDir = dir.resolve(variant + round);
    try {
      double rate = transfer(runDir, transport);
      System.out.printf(Locale.ROOT, "TLSBENCH variant=%s round=%d size=%d MiB throughput=%.0f MiB/s%n", variant, round, SIZE >> 20, rate);
      return rate;
    } finally {
      System.clearProperty(TlsProvider.PROPERTY);
      new ProcessBuilder("rm", "-rf", runDir.toString()).inheritIO().start().waitFor();
    }
  }

  private double transfer(Path runDir, String transport) throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(runDir, 1, "transport: " + transport + "\n")) {
      cluster.startAll();
      cluster.awaitApplied();
      Path file = cluster.docroot("master").resolve("big.bin");
      // 1 MiB of random bytes repeated: every 256 KiB chunk is incompressible on its own.
      byte[] block = new byte[1 << 20];
      new Random(7).nextBytes(block);
      Path staging = runDir.resolve("staging");
      try (FileChannel ch = FileChannel.open(staging, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        for (long at = 0; at < SIZE; at += block.length) {
          ch.write(ByteBuffer.wrap(block));
        }
        ch.force(true);
      }
      long t0 = System.nanoTime();
      java.nio.file.Files.move(staging, file);
      if (!cluster.awaitApplied()) {
        throw new AssertionError("the transfer did not complete");
      }
      return (SIZE >> 20) / ((System.nanoTime() - t0) / 1e9);
    }
  }
}
