package org.replicator.agent.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;
import org.replicator.core.scan.LinkStat;
import org.replicator.core.scan.ScanListener;
import org.replicator.core.scan.ScanResult;
import org.replicator.core.scan.Scanner;
import org.replicator.core.scan.StatFields;

/** The statx lstat against nio's {@code unix:} attributes, field by field, on real files of every type. */
class StatxTest {
  @TempDir Path tmp;
  private Path root;
  private LinkStat statx;

  @BeforeEach
  void setUp() throws Exception {
    statx = Statx.ifAvailable();
    // Linux with glibc 2.28+ (Debian 12 and CI): it must be there, or every agent runs the slow path.
    assertThat(statx).as("statx through JNA").isNotNull();
    root = Files.createDirectories(tmp.resolve("www"));
    Path file = Files.write(root.resolve("file.php"), "content".getBytes(StandardCharsets.UTF_8));
    Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_700_000_000L, 123_456_789)));
    Files.createLink(root.resolve("hardlink.php"), file);
    Path setuid = Files.write(root.resolve("setuid"), new byte[70_000]);
    mode(setuid, "4755");
    Files.createDirectories(root.resolve("dir/sub"));
    Files.write(root.resolve("dir/sub/inner.txt"), "x".getBytes(StandardCharsets.UTF_8));
    Files.write(root.resolve("dir/ünïcode é.txt"), "u".getBytes(StandardCharsets.UTF_8));
    Files.createSymbolicLink(root.resolve("link"), Path.of("dir/sub/inner.txt"));
    Files.createSymbolicLink(root.resolve("dangling"), Path.of("nowhere"));
    run("mkfifo", root.resolve("pipe").toString());
  }

  private static void mode(Path p, String octal) throws Exception {
    run("chmod", octal, p.toString());
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", command)).isZero();
  }

  private static final List<String> EVERY_TYPE = List.of(
      "file.php", "hardlink.php", "setuid", "dir", "dir/sub", "dir/sub/inner.txt", "dir/ünïcode é.txt", "link", "dangling", "pipe", "");

  @Test
  void everyFieldEqualsNiosAnswerForEveryType() throws IOException {
    for (String rel : EVERY_TYPE) {
      Path p = rel.isEmpty() ? root : root.resolve(rel);
      StatFields got = new StatFields();
      assertThat(statx.lstat(p, got)).as(rel).isTrue();

      Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
      EntryType type = Boolean.TRUE.equals(a.get("isSymbolicLink")) ? EntryType.SYMLINK
          : Boolean.TRUE.equals(a.get("isDirectory")) ? EntryType.DIR
          : Boolean.TRUE.equals(a.get("isRegularFile")) ? EntryType.FILE : null;
      assertThat(got.type).as(rel + " type").isEqualTo(type);
      assertThat(got.size).as(rel + " size").isEqualTo(((Number) a.get("size")).longValue());
      assertThat(got.mtimeNanos).as(rel + " mtime").isEqualTo(nanos((FileTime) a.get("lastModifiedTime")));
      assertThat(got.ctimeNanos).as(rel + " ctime").isEqualTo(nanos((FileTime) a.get("ctime")));
      assertThat(got.mode).as(rel + " mode").isEqualTo(((Number) a.get("mode")).intValue() & 07777);
      assertThat(got.inode).as(rel + " inode").isEqualTo(((Number) a.get("ino")).longValue());
      assertThat(got.nlink).as(rel + " nlink").isEqualTo(((Number) a.get("nlink")).intValue());
      assertThat(got.uid).as(rel + " uid").isEqualTo(((Number) a.get("uid")).intValue());
      assertThat(got.gid).as(rel + " gid").isEqualTo(((Number) a.get("gid")).intValue());
    }
    // The cases that make the fields above mean something.
    StatFields f = new StatFields();
    statx.lstat(root.resolve("file.php"), f);
    assertThat(f.mtimeNanos).isEqualTo(1_700_000_000_123_456_789L);
    assertThat(f.nlink).isEqualTo(2);
    statx.lstat(root.resolve("setuid"), f);
    assertThat(f.mode).isEqualTo(04755);
    assertThat(f.size).isEqualTo(70_000);
    statx.lstat(root.resolve("pipe"), f);
    assertThat(f.type).isNull();
  }

  private static long nanos(FileTime t) {
    Instant i = t.toInstant();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  @Test
  void declinesWhatNioMustAnswerAbsentAndNotADirectory() {
    StatFields f = new StatFields();
    assertThat(statx.lstat(root.resolve("missing"), f)).isFalse();
    assertThat(statx.lstat(root.resolve("file.php/below"), f)).isFalse();
    assertThat(statx.lstat(root.resolve("x".repeat(5000)), f)).isFalse();
  }

  @Test
  void aScannerGivesTheSameEntriesWithStatxAsWithNio() throws IOException {
    AtomicInteger calls = new AtomicInteger();
    LinkStat counted = (p, into) -> {
      calls.incrementAndGet();
      return statx.lstat(p, into);
    };
    Scanner viaNio = new Scanner(root, ExcludeFilter.NONE, true, ScanListener.NONE);
    Scanner viaStatx = new Scanner(root, ExcludeFilter.NONE, true, ScanListener.NONE, counted);

    ScanResult nio = viaNio.scan("", null);
    ScanResult native_ = viaStatx.scan("", null);

    assertThat(native_.entries()).isEqualTo(nio.entries());
    assertThat(calls.get()).as("the scanner used the native stat").isGreaterThanOrEqualTo(nio.entries().size());
    for (String rel : EVERY_TYPE) {
      if (!rel.isEmpty()) {
        assertThat(viaStatx.stat(rel)).as(rel).isEqualTo(viaNio.stat(rel));
      }
    }
    // An unchanged rescan shares the previous entries on both paths.
    Index previous = new Index();
    nio.entries().forEach(previous::put);
    ScanResult again = viaStatx.survey("", previous);
    assertThat(again.entries()).isEqualTo(nio.entries());
    for (Entry e : again.entries()) {
      if (e.type() == EntryType.FILE) {
        assertThat(e).isSameAs(previous.get(e.path()));
      }
    }
  }
}
