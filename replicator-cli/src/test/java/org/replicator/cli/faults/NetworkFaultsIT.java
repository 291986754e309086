package org.replicator.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.cli.e2e.ProcessCluster;
import org.replicator.core.hash.ContentHasher;

/**
 * The fault suite (docs/reliability.md): a master and two slaves as real agent processes with
 * mutual TLS, each in a network namespace of its own ({@link Netns}), under the faults of the
 * issue. Every run ends with a full tree comparison, no temp file, a reader on web2 that saw only
 * versions the master held, no false "in sync" from the master's status, and convergence within
 * 30 s of the fault's end (p95 within 10 s over the runs of a scenario).
 *
 * <p>Needs root; skips otherwise. {@code -Dfaults.runs=N} repeats each scenario N times (default
 * 1), {@code -Dfaults.cut.s=S} sets the network cut (default 20), {@code -Dfaults.csv=FILE}
 * appends each run's convergence time: see {@code bench/faults.sh}.
 */
class NetworkFaultsIT {
  private static final int BIG = 300 * 1024 * 1024;

  @TempDir Path tmp;

  static int cutSeconds() {
    return Integer.getInteger("faults.cut.s", 20);
  }

  static int runs() {
    return Integer.getInteger("faults.runs", 1);
  }

  @BeforeAll
  static void needsRootAndNamespaces() {
    String why = Netns.unavailableReason();
    Assumptions.assumeTrue(why == null, () -> "fault suite skipped: " + why);
  }

  interface Scenario {
    void run(FaultHarness h) throws Exception;
  }

  /** Runs {@code scenario} {@link #runs()} times, each in fresh namespaces, and checks the p95. */
  private void repeat(String name, FaultHarness.Mount mount, Scenario scenario) throws Exception {
    List<Long> times = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int run = 1; run <= runs(); run++) {
      Path base = Files.createDirectories(tmp.resolve(name + "-" + run));
      try (FaultHarness h = new FaultHarness(name, run, base, "", mount)) {
        boolean finishing = false;
        try {
          h.startAll();
          scenario.run(h);
          finishing = true;
          times.add(h.finish());
        } catch (Throwable t) {
          if (!finishing) {
            h.record(-1, "fail: " + t);
          }
          System.out.println("faults: " + name + " run " + run + " failed: " + t + "\nlogs under " + base);
          h.cluster.printLogs();
          failures.add(t);
        }
        keepLogs(base, name + "-" + run);
      }
    }
    if (!failures.isEmpty()) {
      AssertionError all = new AssertionError(name + ": " + failures.size() + " of " + runs() + " runs failed; the first: "
          + failures.get(0).getMessage(), failures.get(0));
      failures.stream().skip(1).forEach(all::addSuppressed);
      throw all;
    }
    times.sort(null);
    long p95 = times.get((int) Math.ceil(times.size() * 0.95) - 1);
    System.out.println("faults: " + name + ": " + times.size() + " runs, convergence ms " + times + ", p95 " + p95);
    if (times.size() >= 2) {
      assertThat(p95).as("%s: p95 convergence (ms) over %d runs", name, times.size()).isLessThanOrEqualTo(FaultHarness.P95_MS);
    }
  }

  /** {@code -Dfaults.logs=DIR} keeps every run's agent logs in DIR/scenario-run (the run dirs are deleted). */
  private static void keepLogs(Path base, String run) throws java.io.IOException {
    String keep = System.getProperty("faults.logs", "");
    if (keep.isEmpty() || !Files.isDirectory(base.resolve("logs"))) {
      return;
    }
    Path to = Files.createDirectories(Path.of(keep).resolve(run));
    try (var logs = Files.list(base.resolve("logs"))) {
      for (Path log : (Iterable<Path>) logs::iterator) {
        Files.copy(log, to.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  @Test
  void slaveKilledInTheMiddleOfA300MbFile() throws Exception {
    repeat("slave-sigkill-300mb", null, h -> {
      ProcessCluster c = h.cluster;
      Path staging = Files.createDirectories(c.base().resolve("upload-staging")).resolve("big.bin");
      ContentHasher hasher = new ContentHasher();
      Random random = new Random(300);
      byte[] chunk = new byte[1 << 20];
      try (OutputStream out = Files.newOutputStream(staging)) {
        for (int written = 0; written < BIG; written += chunk.length) {
          random.nextBytes(chunk);
          out.write(chunk);
          hasher.update(chunk, 0, chunk.length);
        }
      }
      String rel = "wp-content/uploads/big.bin";
      h.reader.allow(rel, hasher.finish());
      h.claims.masterWrote();
      Files.createDirectories(c.master().resolve("wp-content/uploads"));
      Files.move(staging, c.master().resolve(rel), StandardCopyOption.ATOMIC_MOVE);
      h.claims.masterWrote();
      await("a partial temp file on web2").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(2)).until(() -> {
        for (Path t : c.tempFiles("web2")) {
          try {
            long size = Files.isRegularFile(t) ? Files.size(t) : 0;
            if (size > 0 && size < BIG) {
              return true;
            }
          } catch (java.nio.file.NoSuchFileException e) {
            // renamed into place between the listing and the stat
          }
        }
        assertThat(Files.exists(c.docroot("web2").resolve(rel))).as("the transfer ended before a partial temp file was seen").isFalse();
        return false;
      });
      c.kill("web2");
      c.start("web2");
      h.faultEnded();
    });
  }

  @Test
  void networkCutWhile500FilesChange() throws Exception {
    repeat("network-cut-" + cutSeconds() + "s", null, h -> {
      Workload w = new Workload(h.cluster.master(), h.reader, h.claims, 500);
      w.files("wp-content/uploads/cut", "page", 500, 1);
      assertThat(h.cluster.barrier(60_000)).as("the 500 files reached the slaves before the cut").isTrue();
      h.net.cut();
      long cutAt = System.nanoTime();
      assertThat(h.net.masterReaches("web2")).as("web2 reachable from the master during the cut").isFalse();
      w.files("wp-content/uploads/cut", "page", 500, 2);
      long left = cutSeconds() * 1000L - (System.nanoTime() - cutAt) / 1_000_000;
      Thread.sleep(Math.max(0, left));
      h.net.heal();
      h.faultEnded();
    });
  }

  @Test
  void fivePercentLossDuringABurstOf2000Files() throws Exception {
    repeat("loss-5pct-2000", null, h -> {
      h.net.loss(0.05);
      new Workload(h.cluster.master(), h.reader, h.claims, 2000).files("wp-content/uploads/burst", "post", 2000, 1);
      h.net.heal();
      h.faultEnded();
    });
  }

  @Test
  void slaveDiskFullThenFreed() throws Exception {
    repeat("slave-disk-full", (h, c) -> h.tmpfs(c.docroot("web2"), "24m"), h -> {
      Path web2 = h.cluster.docroot("web2");
      Workload w = new Workload(h.cluster.master(), h.reader, h.claims, 7);
      // 200 files of ~2 KB, then 40 x 1 MiB: the 24 MiB tmpfs fills part way through.
      w.files("wp-content/small", "s", 200, 1);
      byte[] mb = new byte[1 << 20];
      Random random = new Random(40);
      for (int i = 0; i < 40; i++) {
        random.nextBytes(mb);
        String rel = "wp-content/uploads/2026/blob-" + i + ".bin";
        h.reader.allow(rel, mb);
        Path staging = h.cluster.base().resolve("blob.tmp");
        Files.write(staging, mb);
        h.claims.masterWrote();
        Files.createDirectories(h.cluster.master().resolve(rel).getParent());
        Files.move(staging, h.cluster.master().resolve(rel), StandardCopyOption.ATOMIC_MOVE);
        h.claims.masterWrote();
      }
      await("web2's disk full").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> Files.getFileStore(web2).getUsableSpace() < (2 << 20));
      Thread.sleep(3_000); // let the slave fail and retry while full
      assertThat(h.cluster.differences("web2")).as("web2 differs while its disk is full").isNotEmpty();
      h.resizeTmpfs(web2, "512m");
      h.faultEnded();
    });
  }

  /**
   * It found a false "in sync" (2026-11-28): while the master rescanned after the overflow, status
   * showed each slave live with 0 batches of lag. Unplanned changes now count as lag.
   */
  @Test
  void inotifyOverflowStorm() throws Exception {
    repeat("inotify-overflow-storm", null, h -> {
      h.claims.masterWrote(); // the mkdir is a write too: a claim judged across it is not sound
      Path storm = Files.createDirectories(h.cluster.master().resolve("storm"));
      long empty = ContentHasher.of(new byte[0]);
      for (int i = 0; i < 10_000; i++) {
        h.reader.allow("storm/f" + i, empty);
      }
      // One process creating files back to back outruns the delivery of inotify events (see
      // OverflowStormIT); 10,000 overflow the default max_queued_events (16384) without changing the host.
      h.claims.masterWrote();
      Process p = new ProcessBuilder("bash", "-c", "seq -f 'f%g' 0 9999 | xargs touch").directory(storm.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      assertThat(p.waitFor()).isZero();
      h.claims.masterWrote();
      h.faultEnded();
    });
  }

  @Test
  void masterKilledDuringABurst() throws Exception {
    repeat("master-sigkill-burst", null, h -> {
      Workload w = new Workload(h.cluster.master(), h.reader, h.claims, 2000);
      AtomicInteger written = new AtomicInteger();
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread writer = new Thread(() -> {
        try {
          for (int n = 0; n < 2000; n++) {
            w.write("wp-content/uploads/burst/d" + (n % 20) + "/post-" + n + ".html", 1);
            written.incrementAndGet();
          }
        } catch (Throwable t) {
          failure.set(t);
        }
      }, "faults-burst-writer");
      writer.start();
      await("500 files written").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1))
          .until(() -> written.get() >= 500 || !writer.isAlive());
      h.cluster.kill(ProcessCluster.MASTER);
      writer.join(120_000);
      assertThat(failure.get()).as("writer").isNull();
      h.cluster.start(ProcessCluster.MASTER);
      h.faultEnded();
    });
  }

}
