package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.replicator.core.apply.DocrootMarker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Restarts converge by themselves and never copy (or even read) unchanged files again. */
class RestartIT {
  @TempDir Path dir;

  private static long filesOf(Path root, int count, int size, long seed) throws Exception {
    Random random = new Random(seed);
    long total = 0;
    for (int i = 0; i < count; i++) {
      Path file = root.resolve("d" + (i % 20)).resolve("f" + i + ".bin");
      Files.createDirectories(file.getParent());
      byte[] data = new byte[size];
      random.nextBytes(data);
      Files.write(file, data);
      total += size;
    }
    return total;
  }

  /** What an operator's rsync -a did before adopting: the tree, times kept. */
  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> all = Files.walk(from)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Path copy = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(copy);
        } else {
          Files.copy(p, copy, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  /** Inode (file key) of every file of a docroot outside .replicator: a changed one was replaced by a copy. */
  private static Map<Path, Object> inodesOfFiles(Path docroot) throws Exception {
    Map<Path, Object> inodes = new HashMap<>();
    try (Stream<Path> all = Files.walk(docroot)) {
      for (Path p : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
        if (!docroot.relativize(p).startsWith(".replicator")) {
          inodes.put(p, Files.readAttributes(p, BasicFileAttributes.class).fileKey());
        }
      }
    }
    return inodes;
  }

  private static long wireBytes(InProcessCluster cluster) {
    long sum = 0;
    for (var s : cluster.masterStatus().path("slaves")) {
      sum += s.path("sentBytes").asLong() + s.path("receivedBytes").asLong();
    }
    return sum;
  }

  @Test
  void masterRestartWithNothingChangedReadsNoFileAndExchangesAlmostNothing() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 2, "")) {
      filesOf(cluster.docroot("master"), 2000, 2048, 1);
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();

      cluster.stop("master");
      cluster.start("master");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.masterStatus().path("scanHashedFiles").asLong()).as("files read by the restarted master").isZero();
      assertThat(wireBytes(cluster)).as("bytes exchanged with both slaves after the restart").isLessThan(100_000);
      assertThat(cluster.differences()).isEmpty();
    }
  }

  @Test
  void slaveThatWasDownCatchesUpSendingOnlyWhatChanged() throws Exception {
    try (InProcessCluster cluster = new InProcessCluster(dir, 2, "")) {
      Path master = cluster.docroot("master");
      filesOf(master, 1000, 8192, 2);
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();

      cluster.stop("slave1");
      Files.writeString(master.resolve("d1/f1.bin"), "changed while slave1 was down");
      Files.delete(master.resolve("d2/f2.bin"));
      Files.writeString(master.resolve("new.txt"), "new while slave1 was down");
      // slave2 still follows live; slave1 is behind.
      assertThat(cluster.master().awaitAllApplied(1000)).as("wait with a slave down").isFalse();

      long before = wireBytes(cluster);
      cluster.start("slave1");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      long catchUp = wireBytes(cluster) - before;
      assertThat(catchUp).as("bytes to catch slave1 up (the manifest plus two small files)").isLessThan(1000L * 8192 / 10);
      assertThat(cluster.slaveStatus("slave1").path("scanHashedFiles").asLong()).as("files the restarted slave had to read").isZero();
    }
  }

  @Test
  void changesMadeWhileBothWereDownAndWhileTheyStartAreAllReplicated() throws Exception {
    // Issue 16 lets the links dial while the watches are added and the startup rescan runs: none
    // of that may lose a change made while the agents were down, nor one made during their start.
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "")) {
      Path master = cluster.docroot("master");
      filesOf(master, 5000, 64, 3);
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();
      cluster.stop("master");
      cluster.stop("slave1");

      Files.writeString(master.resolve("d3/f3.bin"), "changed while down");
      Files.delete(master.resolve("d4/f4.bin"));
      Files.createDirectories(master.resolve("new-while-down/sub"));
      Files.writeString(master.resolve("new-while-down/sub/a.txt"), "made while down");

      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger written = new AtomicInteger();
      Thread writer = new Thread(() -> {
        try {
          for (int i = 0; !stop.get() || i < 200; i++) {
            Path target = i % 10 == 0
                ? Files.createDirectories(master.resolve("during/dir" + i)).resolve("in-new-dir.txt")
                : master.resolve("d" + (i % 20)).resolve("during-" + i + ".txt");
            Files.writeString(target, "written during the start, #" + i);
            written.incrementAndGet();
            Thread.sleep(1); // a steady trickle across the whole start, not a burst before it
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, "writer-during-start");
      writer.start();
      cluster.start("slave1");
      cluster.start("master");
      stop.set(true);
      writer.join(60_000);

      assertThat(written.get()).isGreaterThanOrEqualTo(200);
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      assertThat(Files.readString(cluster.docroot("slave1").resolve("new-while-down/sub/a.txt"))).isEqualTo("made while down");
      assertThat(cluster.docroot("slave1").resolve("d4/f4.bin")).doesNotExist();
    }
  }

  @Test
  void aSlaveAdoptedWithTheSameFilesGetsOnlyWhatDiffersOnTheMastersFirstStart() throws Exception {
    // The lsyncd migration: the slave's docroot was filled by rsync and adopted, the master starts
    // with no state, so its first scan is planned in parts. A catch-up taken between two parts
    // used to leave every later part to be sent to the slave whole: each of its files replaced by
    // an identical copy (a new inode), megabytes on the wire, a first start three times slower.
    // (Files.copy keeps mtimes to the microsecond only, so here the catch-up also sets each file's
    // mtime: metadata, in place, not a new copy.)
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "")) {
      Path master = cluster.docroot("master");
      Path slave = cluster.docroot("slave1");
      filesOf(master, 6000, 256, 5);
      copyTree(master, slave);
      filesOf(master.resolve("changed"), 10, 256, 6); // what differs: 10 new files
      DocrootMarker.adopt(slave, cluster.stateDir("slave1"), cluster.config().cluster());
      Map<Path, Object> inodes = inodesOfFiles(slave);
      cluster.start("slave1");
      cluster.start("master");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      Map<Path, Object> now = inodesOfFiles(slave);
      long replaced = inodes.entrySet().stream().filter(e -> !e.getValue().equals(now.get(e.getKey()))).count();
      assertThat(replaced).as("slave files replaced by a copy though they were already right").isZero();
    }
  }

  @Test
  void aSlaveAdoptedWithTheSameFilesReadsNoneOfThemAgainWhenItRestarts() throws Exception {
    // Its first start reads (hashes) every file; nothing is applied since nothing differs, and
    // before issue 16 the index that scan built was never saved: every restart read it all again.
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "")) {
      Path master = cluster.docroot("master");
      Path slave = cluster.docroot("slave1");
      filesOf(master, 500, 256, 4);
      copyTree(master, slave);
      DocrootMarker.adopt(slave, cluster.stateDir("slave1"), cluster.config().cluster());
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.slaveStatus("slave1").path("scanHashedFiles").asLong()).as("files the adopting slave read").isEqualTo(500);

      cluster.stop("slave1");
      cluster.start("slave1");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.slaveStatus("slave1").path("scanHashedFiles").asLong()).as("files the restarted slave read").isZero();
      assertThat(cluster.differences()).isEmpty();
    }
  }

  @Test
  void theSlavesStartupScanIsCompleteWhenItStartsThoughItRunsBesideTlsSetUp() throws Exception {
    // Issue 16 moved the slave's index load and startup scan to a thread of their own, beside its
    // TLS set-up: start() must still return only once that scan is complete, and the scan must
    // still read every file whose stat changed while the agent was down (a file edited with its
    // size and mtime kept is told by its ctime), or the slave's index would vouch for old bytes.
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, "")) {
      Path master = cluster.docroot("master");
      Path slave = cluster.docroot("slave1");
      filesOf(master, 2000, 128, 5);
      cluster.startAll();
      assertThat(cluster.awaitApplied()).isTrue();
      cluster.stop("slave1");

      Path edited = slave.resolve("d7/f7.bin");
      java.nio.file.attribute.FileTime mtime = Files.getLastModifiedTime(edited);
      byte[] other = Files.readAllBytes(edited);
      other[0] ^= 1;
      Files.write(edited, other);
      Files.setLastModifiedTime(edited, mtime);
      Files.delete(slave.resolve("d8/f8.bin"));
      Files.writeString(slave.resolve("d9/stray.txt"), "written on the slave while its agent was down");

      cluster.start("slave1");
      // Read at once after start() returned: the scan's count is final by then.
      assertThat(cluster.slaveStatus("slave1").path("scanHashedFiles").asLong()).as("files the restarted slave read").isEqualTo(2);
      assertThat(cluster.awaitApplied()).isTrue();
      // A journal resume does not compare trees (anti-entropy does, later); a tree check now
      // compares the master's index with what the slave's startup scan found, and repairs it.
      cluster.master().checkTrees("slave1", true, 60_000, new java.util.concurrent.CompletableFuture<>());
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(cluster.differences()).isEmpty());
      assertThat(Files.readAllBytes(edited)).isEqualTo(Files.readAllBytes(master.resolve("d7/f7.bin")));
    }
  }
}
