package org.replicator.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.replicator.cli.e2e.ProcessCluster;
import org.replicator.cli.e2e.VersionReader;

/**
 * One run of one scenario: the namespaces, the three agents placed in them, a {@link
 * VersionReader} on the slave {@code web2}, a {@link SyncClaimChecker} on the master, and the
 * measurement of convergence from the fault's end to the first moment every slave's tree equals
 * the master's with no temp file left. {@link #close()} stops everything and removes the
 * namespaces (and any tmpfs it was asked to unmount) even when the run failed.
 */
final class FaultHarness implements AutoCloseable {
  /** Convergence bounds of the issue, after the fault ends. */
  static final long P95_MS = 10_000;
  static final long MAX_MS = 30_000;

  final String scenario;
  final int run;
  final Netns net;
  final ProcessCluster cluster;
  final VersionReader reader;
  final SyncClaimChecker claims;
  private final List<Path> mounts = new ArrayList<>();
  private long faultEnded;

  FaultHarness(String scenario, int run, Path base, String extraYaml, Mount beforeStart) throws IOException {
    this.scenario = scenario;
    this.run = run;
    this.net = new Netns();
    ProcessCluster c = null;
    try {
      c = new ProcessCluster(base, extraYaml, net);
      if (beforeStart != null) {
        beforeStart.mount(this, c);
      }
      this.cluster = c;
      this.reader = new VersionReader(c.docroot("web2"));
      this.claims = new SyncClaimChecker(c);
    } catch (IOException | RuntimeException e) {
      if (c != null) {
        c.close();
      }
      unmountAll();
      net.close();
      throw e;
    }
  }

  /** Something done to a fresh cluster before its agents start (e.g. a tmpfs docroot). */
  interface Mount {
    void mount(FaultHarness h, ProcessCluster c) throws IOException;
  }

  void tmpfs(Path at, String sizeOption) throws IOException {
    exec("mount", "-t", "tmpfs", "-o", "size=" + sizeOption + ",mode=755", "tmpfs", at.toString());
    mounts.add(at);
  }

  void resizeTmpfs(Path at, String sizeOption) throws IOException {
    exec("mount", "-o", "remount,size=" + sizeOption, at.toString());
  }

  FaultHarness startAll() throws IOException {
    reader.start();
    cluster.startAll();
    claims.start();
    return this;
  }

  /** The fault is over (link healed, node restarted, disk freed): the convergence clock starts. */
  void faultEnded() {
    faultEnded = System.nanoTime();
    System.out.println("faults: " + scenario + " run " + run + ": fault ended at " + Instant.now());
  }

  /**
   * Polls (every 100 ms) until every slave's tree equals the master's and no temp file is left,
   * for at most {@code limitMs} after the fault's end; returns the time taken, or -1.
   */
  long awaitConvergence(long limitMs) throws InterruptedException {
    assertThat(faultEnded).as("faultEnded() called").isNotZero();
    while (true) {
      long elapsed = (System.nanoTime() - faultEnded) / 1_000_000;
      if (converged()) {
        return elapsed;
      }
      if (elapsed > limitMs) {
        return -1;
      }
      Thread.sleep(100);
    }
  }

  private boolean converged() {
    try {
      for (String slave : ProcessCluster.SLAVES) {
        if (!cluster.tempFiles(slave).isEmpty()) {
          return false;
        }
      }
      // Stat first: while the trees still differ in size, mtime or entries, no file is hashed.
      return cluster.statDifferences(ProcessCluster.SLAVES).isEmpty() && cluster.differences(ProcessCluster.SLAVES).isEmpty();
    } catch (IOException | RuntimeException e) {
      return false; // a file vanished while listed: still moving
    }
  }

  /**
   * What every run ends with: convergence within {@link #MAX_MS} (recorded), the full tree
   * comparison, no temp file, the reader saw only versions the master held, and no false claim.
   */
  long finish() throws Exception {
    long ms = awaitConvergence(MAX_MS + 90_000);
    try {
      String diff = ms < 0 ? String.valueOf(cluster.differences(ProcessCluster.SLAVES)) : "";
      assertThat(ms).as("%s run %d: converged after the fault (ms, -1 = not within %d s); differences: %s", scenario, run,
          (MAX_MS + 90_000) / 1000, diff).isNotNegative();
      cluster.assertConverged();
      reader.assertOnlyRegisteredVersions();
      claims.close();
      assertThat(claims.violations()).as("false 'in sync' claims").isEmpty();
      System.out.println("faults: " + scenario + " run " + run + ": converged in " + ms + " ms; reader hashed " + reader.filesRead()
          + " files; " + claims.claimsChecked() + " in-sync claims checked");
      assertThat(ms).as("%s run %d: convergence time (ms) after the fault", scenario, run).isLessThanOrEqualTo(MAX_MS);
    } catch (Throwable t) {
      record(ms, "fail: " + t.getMessage());
      throw t;
    }
    record(ms, "ok");
    return ms;
  }

  /** Appends {@code scenario,run,cut_s,convergence_ms,result} to the CSV named by {@code -Dfaults.csv}, if any. */
  void record(long ms, String result) {
    String csv = System.getProperty("faults.csv", "");
    if (csv.isBlank()) {
      return;
    }
    try {
      Path p = Path.of(csv);
      if (!Files.exists(p)) {
        Files.writeString(p, "scenario,run,cut_s,convergence_ms,result\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE);
      }
      Files.writeString(p, scenario + "," + run + "," + NetworkFaultsIT.cutSeconds() + "," + ms + ",\""
          + result.replace('"', '\'').replaceAll("\\s+", " ") + "\"\n", StandardCharsets.UTF_8,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      System.out.println("faults: cannot append to " + csv + ": " + e);
    }
  }

  @Override
  public void close() {
    try {
      claims.close();
      reader.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    cluster.close();
    unmountAll();
    net.close();
  }

  private void unmountAll() {
    for (Path m : mounts) {
      try {
        exec("umount", "-l", m.toString());
      } catch (IOException e) {
        System.out.println("faults: cannot unmount " + m + ": " + e);
      }
    }
    mounts.clear();
  }

  private static void exec(String... cmd) throws IOException {
    if (Netns.run(List.of(cmd)) != 0) {
      throw new IOException(String.join(" ", cmd) + " failed");
    }
  }
}
