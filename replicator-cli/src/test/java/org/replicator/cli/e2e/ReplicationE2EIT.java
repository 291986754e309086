package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.cli.e2e.ProcessCluster.CliResult;

/**
 * End-to-end replication through real agent processes started from {@code bin/replicator}: one
 * master and two slaves on 127.0.0.1. Every scenario ends with {@link ProcessCluster#assertConverged}
 * (barrier, full tree comparison of both slaves, no temp file left).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ReplicationE2EIT {
  private static final Path WORDPRESS = Path.of("/usr/share/wordpress");
  private static final long MIB = 1024 * 1024;

  @RegisterExtension final ClusterGuard guard = new ClusterGuard();
  @TempDir Path tmp;

  /**
   * The Debian WordPress tree (about 3,000 entries, absolute symlinks into /etc and
   * /usr/share/javascript), copied with {@code cp -a} into the master's docroot before the first
   * start, reaches both slaves identically; a concurrent reader on a slave only ever sees source
   * files complete.
   */
  @Test
  void realWordPressTreeReachesBothSlavesIdentically() throws Exception {
    assumeTrue(Files.isDirectory(WORDPRESS), "needs the Debian wordpress package (" + WORDPRESS + ")");
    ProcessCluster cluster = guard.cluster(tmp);
    CliResult cp = run("cp", "-a", WORDPRESS + "/.", cluster.master().toString());
    assertThat(cp.exit()).as("cp -a: %s", cp).isZero();
    VersionReader reader = guard.track(new VersionReader(cluster.docroot("web2")));
    reader.allowTree(WORDPRESS);
    reader.start();

    cluster.startAll();
    CliResult wait = cluster.waitCli(120);

    assertThat(wait.exit()).as("replicator wait: %s", wait).isZero();
    reader.assertOnlyRegisteredVersions();
    assertThat(Files.isSymbolicLink(cluster.docroot("web2").resolve(".htaccess"))).isTrue();
  }

  /**
   * Modes, nanosecond mtimes, empty and sparse files, relative/absolute/dangling symlinks, hard
   * links, awkward UTF-8 names and (as root) owners all arrive as they are on the master.
   */
  @Test
  void metadataIsReplicatedExactly() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp);
    cluster.startAll();
    Path m = cluster.master();
    Files.createDirectories(m.resolve("meta/sub"));
    Path secret = write(m.resolve("meta/secret.txt"), "0600");
    Path script = write(m.resolve("meta/run.sh"), "#!/bin/sh\necho hi\n");
    Path readOnly = write(m.resolve("meta/readonly.txt"), "0444");
    Path empty = write(m.resolve("meta/empty"), "");
    Path sparse = m.resolve("meta/sparse.bin");
    try (FileChannel ch = FileChannel.open(sparse, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {42}), 100 * MIB);
    }
    Path target = write(m.resolve("meta/sub/target.txt"), "target\n");
    Files.createSymbolicLink(m.resolve("meta/rel-link"), Path.of("sub/target.txt"));
    Files.createSymbolicLink(m.resolve("meta/abs-link"), Path.of("/etc/hostname"));
    Files.createSymbolicLink(m.resolve("meta/dangling-link"), Path.of("does/not/exist"));
    Path linked = write(m.resolve("meta/linked-a.txt"), "one inode, two names\n");
    Files.createLink(m.resolve("meta/sub/linked-b.txt"), linked);
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r--r--r--"));
    List<Path> named = new ArrayList<>();
    boolean utf8 = "UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"));
    if (utf8) {
      Files.createDirectories(m.resolve("names/dossier été"));
      String longName = "n".repeat(251) + "\uD83D\uDE00"; // 251 + 4 bytes = 255 bytes, the ext4 maximum
      assertThat(longName.getBytes(StandardCharsets.UTF_8)).hasSize(255);
      for (String name : List.of("with space.txt", "new\nline.txt", "emoji \uD83D\uDE00.txt", longName, "dossier été/ünïcödé.txt")) {
        named.add(write(m.resolve("names").resolve(name), "name: " + name));
      }
    }
    boolean root = ProcessCluster.isRoot();
    if (root) {
      Files.setAttribute(secret, "unix:uid", 1234);
      Files.setAttribute(secret, "unix:gid", 1234);
    }
    long base = 1_700_000_000L;
    int i = 0;
    for (Path p : concat(List.of(secret, script, readOnly, empty, sparse, target, linked), named)) {
      Files.setLastModifiedTime(p, FileTime.from(Instant.ofEpochSecond(base + i, 123_456_789L + i)));
      i++;
    }

    cluster.assertConverged();

    for (String slave : ProcessCluster.SLAVES) {
      Path s = cluster.docroot(slave);
      assertThat(mode(s.resolve("meta/secret.txt"))).isEqualTo("rw-------");
      assertThat(mode(s.resolve("meta/run.sh"))).isEqualTo("rwxr-xr-x");
      assertThat(mode(s.resolve("meta/readonly.txt"))).isEqualTo("r--r--r--");
      assertThat(Files.getLastModifiedTime(s.resolve("meta/secret.txt")).toInstant()).isEqualTo(Instant.ofEpochSecond(base, 123_456_789L));
      assertThat(Files.size(s.resolve("meta/empty"))).isZero();
      assertThat(Files.size(s.resolve("meta/sparse.bin"))).isEqualTo(100 * MIB + 1);
      long blocks = Long.parseLong(run("stat", "-c", "%b", s.resolve("meta/sparse.bin").toString()).out().trim());
      assertThat(blocks * 512).as("bytes allocated on %s for a 100 MiB file holding one byte", slave).isLessThan(MIB);
      assertThat(Files.readSymbolicLink(s.resolve("meta/rel-link"))).isEqualTo(Path.of("sub/target.txt"));
      assertThat(Files.readSymbolicLink(s.resolve("meta/abs-link"))).isEqualTo(Path.of("/etc/hostname"));
      assertThat(Files.readSymbolicLink(s.resolve("meta/dangling-link"))).isEqualTo(Path.of("does/not/exist"));
      assertThat(Files.getAttribute(s.resolve("meta/linked-a.txt"), "unix:ino"))
          .as("hard link on %s", slave).isEqualTo(Files.getAttribute(s.resolve("meta/sub/linked-b.txt"), "unix:ino"));
      if (root) {
        assertThat(Files.getAttribute(s.resolve("meta/secret.txt"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(1234);
        assertThat(Files.getAttribute(s.resolve("meta/secret.txt"), "unix:gid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(1234);
      }
      for (Path p : named) {
        assertThat(s.resolve(m.relativize(p))).as("UTF-8 name on %s", slave).exists();
      }
    }
    assumeTrue(utf8, "UTF-8 names not tested: the test JVM's file-name encoding is not UTF-8 (set LANG=C.UTF-8)");
  }

  /**
   * Renaming a directory of 1,000 files is a move, not 1,000 copies: the bytes on the wire per
   * slave (status --json sentBytes) stay under 5% of the files' size.
   */
  @Test
  void renamedDirectoryCostsFarLessThanItsContent() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp);
    cluster.startAll();
    Path dir = Files.createDirectories(cluster.master().resolve("wp-content/uploads/2025"));
    Random random = new Random(20251);
    long total = 0;
    for (int n = 0; n < 1000; n++) {
      byte[] content = new byte[8 * 1024 + random.nextInt(8 * 1024)];
      random.nextBytes(content);
      Files.write(dir.resolve("image-" + n + ".jpg"), content);
      total += content.length;
    }
    cluster.assertConverged();
    long[] before = sentBytes(cluster);

    Files.move(dir, cluster.master().resolve("wp-content/uploads/archive-2025"));
    cluster.assertConverged();

    long[] after = sentBytes(cluster);
    for (int s = 0; s < before.length; s++) {
      assertThat(after[s] - before[s]).as("bytes sent to %s for the rename of %d bytes of files", ProcessCluster.SLAVES.get(s), total)
          .isLessThan(total / 20);
    }
    assertThat(cluster.docroot("web2").resolve("wp-content/uploads/2025")).doesNotExist();
  }

  /**
   * Rsync's quick check misses an edit that keeps size and mtime; Replicator must not: 15 rounds of
   * same-length content with the mtime put back to the same value, each followed by {@code wait}.
   */
  @Test
  void sameSizeEditsWithUnchangedMtimeAreReplicated() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp);
    cluster.startAll();
    Path file = cluster.master().resolve("wp-config.php");
    FileTime mtime = FileTime.from(Instant.ofEpochSecond(1_750_000_000L, 500_000_000L));
    Random random = new Random(4);
    for (int round = 0; round < 15; round++) {
      String content = String.format("<?php define('AUTH_KEY', '%016x'); // round %02d\n", random.nextLong(), round);
      Files.writeString(file, content, StandardCharsets.UTF_8);
      Files.setLastModifiedTime(file, mtime);

      CliResult wait = cluster.waitCli(60);

      assertThat(wait.exit()).as("round %d: %s", round, wait).isZero();
      for (String slave : ProcessCluster.SLAVES) {
        assertThat(Files.readString(cluster.docroot(slave).resolve("wp-config.php"), StandardCharsets.UTF_8))
            .as("round %d on %s", round, slave).isEqualTo(content);
      }
    }
    cluster.assertConverged();
  }

  /**
   * Read-your-writes, 1,000 times: write on the master, barrier, read on both slaves. The first 20
   * barriers go through {@code bin/replicator wait}, the rest through the control socket.
   */
  @Test
  void barrierGivesReadYourWritesAThousandTimes() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp);
    cluster.startAll();
    Path file = cluster.master().resolve("wp-content/uploads/counter.txt");
    Files.createDirectories(file.getParent());
    for (int n = 0; n < 1000; n++) {
      String content = "iteration " + n + " " + "x".repeat(n % 97) + "\n";
      Files.writeString(file, content, StandardCharsets.UTF_8);
      if (n < 20) {
        CliResult wait = cluster.waitCli(60);
        assertThat(wait.exit()).as("iteration %d: %s", n, wait).isZero();
      } else {
        assertThat(cluster.barrier(60_000)).as("barrier of iteration %d", n).isTrue();
      }
      for (String slave : ProcessCluster.SLAVES) {
        assertThat(Files.readString(cluster.docroot(slave).resolve("wp-content/uploads/counter.txt"), StandardCharsets.UTF_8))
            .as("iteration %d on %s", n, slave).isEqualTo(content);
      }
    }
    cluster.assertConverged();
  }

  private static long[] sentBytes(ProcessCluster cluster) throws IOException {
    long[] out = new long[ProcessCluster.SLAVES.size()];
    for (int s = 0; s < out.length; s++) {
      out[s] = cluster.slaveStatus(ProcessCluster.SLAVES.get(s)).path("sentBytes").asLong(-1);
      assertThat(out[s]).as("sentBytes of %s", ProcessCluster.SLAVES.get(s)).isNotNegative();
    }
    return out;
  }

  private static List<Path> concat(List<Path> a, List<Path> b) {
    List<Path> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  private static Path write(Path p, String content) throws IOException {
    Files.createDirectories(p.getParent());
    return Files.writeString(p, content, StandardCharsets.UTF_8);
  }

  private CliResult run(String... cmd) {
    return ProcessCluster.exec(tmp, cmd);
  }
}
