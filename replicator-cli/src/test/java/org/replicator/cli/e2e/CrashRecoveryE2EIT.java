package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.cli.e2e.ProcessCluster.CliResult;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.testing.TreeSnapshot;

/**
 * SIGKILL of a slave in the middle of a large file and of the master in the middle of a burst:
 * after a restart the cluster converges without an operator, no temp file is left, and a reader
 * of a slave's docroot never sees a partial file meanwhile.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CrashRecoveryE2EIT {
  private static final int BIG = 300 * 1024 * 1024;

  @RegisterExtension final ClusterGuard guard = new ClusterGuard();
  @TempDir Path tmp;

  /**
   * A 300 MB upload lands on the master (written next to the docroot, then renamed in, as PHP's
   * move_uploaded_file does); web2 is killed while its temp file is partial. While it is down the
   * target is absent or complete; after the restart it converges and the temp file is gone.
   */
  @Test
  void slaveKilledInTheMiddleOfALargeFileConvergesAfterRestart() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    VersionReader reader = guard.track(new VersionReader(cluster.docroot("web2"))).start();
    cluster.startAll();
    Path staging = Files.createDirectories(tmp.resolve("c/upload-staging")).resolve("big.bin");
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
    long hash = hasher.finish();
    String rel = "wp-content/uploads/big.bin";
    reader.allow(rel, hash);
    Files.createDirectories(cluster.master().resolve("wp-content/uploads"));
    Path onSlave = cluster.docroot("web2").resolve(rel);

    Files.move(staging, cluster.master().resolve(rel), StandardCopyOption.ATOMIC_MOVE);
    AtomicReference<Long> partial = new AtomicReference<>();
    await("a partial temp file on web2").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(2)).until(() -> {
      for (Path t : cluster.tempFiles("web2")) {
        long size;
        try {
          size = Files.isRegularFile(t) ? Files.size(t) : 0; // a mkdir's temp directory is not the file
        } catch (java.nio.file.NoSuchFileException e) {
          continue; // renamed into place between the listing and the stat
        }
        if (size > 0 && size < BIG) {
          partial.set(size);
          return true;
        }
      }
      assertThat(Files.exists(onSlave)).as("the transfer ended before a partial temp file was seen").isFalse();
      return false;
    });
    cluster.kill("web2");

    System.out.println("e2e: killed web2 with " + partial.get() + " of " + BIG + " bytes in its temp file");
    for (int i = 0; i < 3; i++) {
      assertThat(!Files.exists(onSlave) || TreeSnapshot.hash(onSlave) == hash).as("web2's target while it is down").isTrue();
    }
    cluster.start("web2");
    CliResult wait = cluster.waitCli(180);

    assertThat(wait.exit()).as("replicator wait after the restart: %s", wait).isZero();
    reader.assertOnlyRegisteredVersions();
    cluster.assertConverged();
  }

  /**
   * The master is killed while a writer creates 2,000 small files; the writer goes on while it is
   * down. After its restart every slave converges, and a slave's reader only ever saw versions the
   * master held (a file created in place is briefly empty on the master: that version is allowed).
   */
  @Test
  void masterKilledDuringABurstConvergesAfterRestart() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    VersionReader reader = guard.track(new VersionReader(cluster.docroot("web3"))).start();
    cluster.startAll();
    Path uploads = cluster.master().resolve("wp-content/uploads/burst");
    AtomicInteger written = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    long empty = ContentHasher.of(new byte[0]);
    Thread writer = new Thread(() -> {
      Random random = new Random(2000);
      try {
        for (int n = 0; n < 2000; n++) {
          String rel = "wp-content/uploads/burst/d" + (n % 20) + "/post-" + n + ".html";
          byte[] content = ("<p>post " + n + "</p>" + "x".repeat(random.nextInt(4000)) + "\n").getBytes(StandardCharsets.UTF_8);
          reader.allow(rel, content);
          reader.allow(rel, empty);
          Path file = cluster.master().resolve(rel);
          Files.createDirectories(file.getParent());
          Files.write(file, content);
          written.incrementAndGet();
        }
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "e2e-burst-writer");

    writer.start();
    await("500 files written").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1)).until(() -> written.get() >= 500 || !writer.isAlive());
    cluster.kill(ProcessCluster.MASTER);
    System.out.println("e2e: killed the master after " + written.get() + " of 2000 files");
    writer.join(120_000);
    assertThat(failure.get()).as("writer").isNull();
    assertThat(written.get()).isEqualTo(2000);
    cluster.start(ProcessCluster.MASTER);
    CliResult wait = cluster.waitCli(180);

    assertThat(wait.exit()).as("replicator wait after the master's restart: %s", wait).isZero();
    reader.assertOnlyRegisteredVersions();
    cluster.assertConverged();
    try (var files = Files.walk(cluster.docroot("web2").resolve("wp-content/uploads/burst"))) {
      assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(2000);
    }
    assertThat(List.of(uploads)).allMatch(Files::isDirectory);
  }
}
