package org.replicator.core.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;
import org.replicator.core.op.Meta;

/** One body, run on Jimfs and on the real disk (okio's AbstractFileSystemTest shape). */
abstract class ScannerContractTest {
  protected Path root;
  protected final RecordingScanListener listener = new RecordingScanListener();

  /** A fresh, empty docroot directory. */
  protected abstract Path newRoot() throws IOException;

  @BeforeEach
  void setUpRoot() throws IOException {
    root = newRoot();
  }

  protected Scanner scanner() {
    return new Scanner(root, ExcludeFilter.NONE, true, listener);
  }

  protected Scanner scanner(FileAccess access) {
    return new Scanner(root, ExcludeFilter.NONE, true, listener, access);
  }

  protected Path write(String path, String content) throws IOException {
    Path p = root.resolve(path);
    Files.createDirectories(p.getParent());
    Files.write(p, content.getBytes(StandardCharsets.UTF_8));
    return p;
  }

  protected static List<String> paths(ScanResult r) {
    return r.entries().stream().map(Entry::path).toList();
  }

  protected static Entry find(ScanResult r, String path) {
    return r.entries().stream().filter(e -> e.path().equals(path)).findFirst().orElseThrow(() -> new AssertionError(path + " not in " + paths(r)));
  }

  protected static Index indexOf(ScanResult r) {
    Index index = new Index();
    r.entries().forEach(index::put);
    return index;
  }

  @Test
  void filesDirectoriesAndSymlinksAreRecordedWithTheirAttributes() throws IOException {
    Path php = write("wp-config.php", "<?php define('DB', 'x');");
    Files.setPosixFilePermissions(php, PosixFilePermissions.fromString("rw-r-----"));
    Files.setLastModifiedTime(php, FileTime.from(Instant.parse("2024-05-06T07:08:09.123456789Z")));
    write("empty", "");
    Files.createDirectories(root.resolve("wp-content/uploads"));
    Files.createSymbolicLink(root.resolve("current"), root.getFileSystem().getPath("../releases/42"));

    ScanResult r = scanner().scan("", null);

    assertThat(paths(r)).containsExactly("current", "empty", "wp-config.php", "wp-content", "wp-content/uploads");
    assertThat(r.failedPaths()).isEmpty();
    Entry f = find(r, "wp-config.php");
    assertThat(f.type()).isEqualTo(EntryType.FILE);
    assertThat(f.size()).isEqualTo(24);
    assertThat(f.hash()).isEqualTo(ContentHasher.of("<?php define('DB', 'x');".getBytes(StandardCharsets.UTF_8)));
    assertThat(f.mode()).isEqualTo(0640);
    assertThat(f.inode()).isNotZero();
    assertThat(f.nlink()).isEqualTo(1);
    Entry empty = find(r, "empty");
    assertThat(empty.size()).isZero();
    assertThat(empty.hash()).isEqualTo(ContentHasher.of(new byte[0]));
    Entry link = find(r, "current");
    assertThat(link.type()).isEqualTo(EntryType.SYMLINK);
    assertThat(link.linkTarget()).isEqualTo("../releases/42");
    assertThat(link.hash()).isZero();
    assertThat(find(r, "wp-content").type()).isEqualTo(EntryType.DIR);
  }

  @Test
  void fileMtimeKeepsItsPrecision() throws IOException {
    Path php = write("a.php", "x");
    Instant t = Instant.parse("2024-05-06T07:08:09.123456789Z");
    Files.setLastModifiedTime(php, FileTime.from(t));
    long expected = t.getEpochSecond() * 1_000_000_000L + t.getNano();
    long got = scanner().stat("a.php").mtimeNanos();
    // Jimfs and most Linux file systems keep nanoseconds; some keep less, never more.
    assertThat(got).isBetween(expected - 999_999, expected);
  }

  @Test
  void symlinkToDirectoryIsNotFollowed() throws IOException {
    write("real/inside.txt", "x");
    Files.createSymbolicLink(root.resolve("alias"), root.resolve("real"));
    Files.createSymbolicLink(root.resolve("dangling"), root.getFileSystem().getPath("nowhere"));

    ScanResult r = scanner().scan("", null);

    assertThat(paths(r)).containsExactly("alias", "dangling", "real", "real/inside.txt");
    assertThat(find(r, "alias").type()).isEqualTo(EntryType.SYMLINK);
    assertThat(scanner().scan("alias", null).entries()).extracting(Entry::path).containsExactly("alias");
    assertThat(scanner().scan("alias/inside.txt", null).entries()).isEmpty();
  }

  @Test
  void excludedDirectoryIsNotDescendedAndExcludedFileIsSkipped() throws IOException {
    write("wp-content/cache/page/index.html", "cached");
    write("wp-content/debug.log", "noise");
    write("wp-content/plugin.php", "code");
    List<String> asked = new ArrayList<>();
    ExcludeFilter filter = (path, directory) -> {
      asked.add(path);
      return (directory && path.equals("wp-content/cache")) || path.endsWith(".log");
    };

    ScanResult r = new Scanner(root, filter, true, listener).scan("", null);

    assertThat(paths(r)).containsExactly("wp-content", "wp-content/plugin.php");
    assertThat(asked).noneMatch(p -> p.startsWith("wp-content/cache/"));
    assertThat(listener.hashed).containsExactly("wp-content/plugin.php");
    assertThat(new Scanner(root, filter, true, listener).scan("wp-content/cache/page", null).entries()).isEmpty();
  }

  @Test
  void reservedFolderIsSkippedSilentlyOnlyAtTheTop() throws IOException {
    write(".replicator/tmp/partial", "half a file");
    write("sub/.replicator", "a user's file");

    ScanResult r = scanner().scan("", null);

    assertThat(paths(r)).containsExactly("sub", "sub/.replicator");
    assertThat(listener.invalid).isEmpty();
    assertThat(listener.hashed).containsExactly("sub/.replicator");
  }

  @Test
  void rescanWithUnchangedStatReadsNoContent() throws IOException {
    write("a/one.php", "1");
    write("a/two.php", "22");
    write("three.php", "333");
    ScanResult first = scanner().scan("", null);
    assertThat(listener.hashed).hasSize(3);
    listener.hashed.clear();

    ScanResult again = scanner().scan("", indexOf(first));

    assertThat(listener.hashed).isEmpty();
    assertThat(again.entries()).isEqualTo(first.entries());
    // The very entries of the previous index (shared, not copied), each one.
    for (int i = 0; i < first.entries().size(); i++) {
      if (first.entries().get(i).type() == org.replicator.core.index.EntryType.FILE) {
        assertThat(again.entries().get(i)).isSameAs(first.entries().get(i));
      }
    }
  }

  @Test
  void aFileWhoseModeChangedIsNotTheSharedPreviousEntry() throws IOException {
    Path file = write("a/one.php", "1");
    ScanResult first = scanner().scan("", null);
    Assumptions.assumeTrue(root.getFileSystem().supportedFileAttributeViews().contains("posix"), "no modes here");
    Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));

    ScanResult again = scanner().scan("", indexOf(first));

    Entry now = find(again, "a/one.php");
    assertThat(now).isNotSameAs(find(first, "a/one.php"));
    assertThat(now.mode()).isEqualTo(0600);
  }

  /**
   * Scans {@code same.php} and {@code changed.php}, then rewrites {@code changed.php} to "after!"
   * with a later mtime; returns the scan from before the change, with the hash record cleared.
   */
  private ScanResult scannedThenOneOfTwoFilesChanged() throws IOException {
    write("same.php", "same");
    Path changed = write("changed.php", "before");
    ScanResult first = scanner().scan("", null);
    listener.hashed.clear();
    Files.write(changed, "after!".getBytes(StandardCharsets.UTF_8));
    Files.setLastModifiedTime(changed, FileTime.fromMillis(Files.getLastModifiedTime(changed).toMillis() + 5_000));
    return first;
  }

  @Test
  void changedFileIsRehashedAndOthersAreNot() throws IOException {
    ScanResult first = scannedThenOneOfTwoFilesChanged();

    ScanResult again = scanner().scan("", indexOf(first));

    assertThat(listener.hashed).containsExactly("changed.php");
    assertThat(find(again, "changed.php").hash()).isEqualTo(ContentHasher.of("after!".getBytes(StandardCharsets.UTF_8)));
  }

  /** The planner's rescan: it reads each changed file itself, so the survey must read none. */
  @Test
  void surveyReadsNoFileAndKeepsOnlyHashesTheIndexVouchesFor() throws IOException {
    ScanResult first = scannedThenOneOfTwoFilesChanged();
    write("new/added.php", "new");

    ScanResult survey = scanner().survey("", indexOf(first));

    assertThat(listener.hashed).isEmpty();
    assertThat(paths(survey)).containsExactly("changed.php", "new", "new/added.php", "same.php");
    assertThat(find(survey, "same.php")).isEqualTo(find(first, "same.php"));
    assertThat(find(survey, "changed.php").hash()).isZero();
    assertThat(find(survey, "changed.php").size()).isEqualTo(6);
    assertThat(find(survey, "new/added.php").hash()).isZero();
  }

  @Test
  void largeFileIsHashedInBlocksLikeContentHasher() throws IOException {
    byte[] big = new byte[3 * ContentHasher.BLOCK + 17];
    new java.util.Random(1).nextBytes(big);
    Files.write(root.resolve("big.bin"), big);
    assertThat(scanner().hash("big.bin")).isEqualTo(ContentHasher.of(big));
  }

  @Test
  void subtreeScanCoversOnlyThatSubtree() throws IOException {
    write("a/b/c.txt", "c");
    write("a/d.txt", "d");
    write("a b/e.txt", "e");
    write("other.txt", "o");

    assertThat(paths(scanner().scan("a", null))).containsExactly("a", "a/b", "a/b/c.txt", "a/d.txt");
    assertThat(paths(scanner().scan("a/b/c.txt", null))).containsExactly("a/b/c.txt");
    assertThat(scanner().scan("a/missing", null).entries()).isEmpty();
    assertThat(scanner().scan("a/d.txt/under-a-file", null).entries()).isEmpty();
  }

  @Test
  void missingDocrootIsAnErrorNotAnEmptyTree() {
    Path gone = root.resolve("not-mounted");
    Scanner s = new Scanner(gone, ExcludeFilter.NONE, true, listener);
    assertThatThrownBy(() -> s.scan("", null)).isInstanceOf(NoSuchFileException.class).hasMessageContaining("not-mounted");
  }

  @Test
  void hardLinksShareAnInodeAndAreReadOnce() throws IOException {
    Path a = write("a.jpg", "pixels");
    Files.createLink(root.resolve("b.jpg"), a);

    ScanResult r = scanner().scan("", null);

    Entry ea = find(r, "a.jpg");
    Entry eb = find(r, "b.jpg");
    assertThat(ea.inode()).isEqualTo(eb.inode()).isNotZero();
    assertThat(ea.nlink()).isEqualTo(2);
    assertThat(eb.hash()).isEqualTo(ea.hash());
    assertThat(listener.hashed).hasSize(1);
    assertThat(indexOf(r).pathsWithInode(ea.inode())).containsExactly("a.jpg", "b.jpg");
  }

  @Test
  void namesWithNewlinesSpacesAndTheMaximumLengthAreKept() throws IOException {
    String longest = "é".repeat(127) + "x"; // 255 UTF-8 bytes
    write("line\nbreak.txt", "1");
    write(" leading and trailing ", "2");
    write(longest, "3");

    ScanResult r = scanner().scan("", null);

    assertThat(paths(r)).containsExactlyInAnyOrder("line\nbreak.txt", " leading and trailing ", longest);
    assertThat(paths(r)).isSorted();
    assertThat(listener.invalid).isEmpty();
  }

  @Test
  void ownersAreNotRecordedWhenNotAsked() throws IOException {
    write("f", "x");
    Entry e = new Scanner(root, ExcludeFilter.NONE, false, listener).stat("f");
    assertThat(e.uid()).isEqualTo(Meta.NO_OWNER);
    assertThat(e.gid()).isEqualTo(Meta.NO_OWNER);
  }

  @Test
  void statOfAbsentPathIsNull() throws IOException {
    assertThat(scanner().stat("nothing/here")).isNull();
  }

  @Test
  void unreadableFileIsReportedAndNotInEntriesWhileTheWalkGoesOn() throws IOException {
    write("secret.php", "x");
    write("public.php", "y");
    FileAccess denying = new ForwardingFileAccess() {
      @Override
      public SeekableByteChannel open(Path file) throws IOException {
        if (file.getFileName().toString().equals("secret.php")) {
          throw new AccessDeniedException(file.toString());
        }
        return super.open(file);
      }
    };

    ScanResult r = scanner(denying).scan("", null);

    assertThat(paths(r)).containsExactly("public.php");
    assertThat(r.failedPaths()).containsExactly("secret.php");
    assertThat(listener.failed).containsOnlyKeys("secret.php");
    assertThat(r.isUnknown("secret.php")).isTrue();
  }

  @Test
  void unlistableDirectoryKeepsItsEntryAndIsMarkedUnknown() throws IOException {
    write("locked/inside.php", "x");
    write("open/inside.php", "y");
    FileAccess denying = new ForwardingFileAccess() {
      @Override
      public DirectoryStream<Path> list(Path dir) throws IOException {
        if (dir.getFileName() != null && dir.getFileName().toString().equals("locked")) {
          throw new AccessDeniedException(dir.toString());
        }
        return super.list(dir);
      }
    };

    ScanResult r = scanner(denying).scan("", null);

    assertThat(paths(r)).containsExactly("locked", "open", "open/inside.php");
    assertThat(r.failedPaths()).containsExactly("locked");
    assertThat(r.isUnknown("locked/inside.php")).isTrue();
    assertThat(r.isUnknown("lockedx")).isFalse();
  }

  @Test
  void fileDeletedBeforeItIsReadIsAbsentNotFailed() throws IOException {
    write("tmp.php", "x");
    FileAccess deleting = new ForwardingFileAccess() {
      @Override
      public SeekableByteChannel open(Path file) throws IOException {
        Files.delete(file);
        return super.open(file);
      }
    };

    ScanResult r = scanner(deleting).scan("", null);

    assertThat(r.entries()).isEmpty();
    assertThat(r.failedPaths()).isEmpty();
  }

  @Test
  void fileChangedOnceWhileReadIsReadAgain() throws IOException {
    Path p = write("growing.log.php", "start");
    AtomicInteger opens = new AtomicInteger();
    FileAccess appendOnce = new ForwardingFileAccess() {
      @Override
      public SeekableByteChannel open(Path file) throws IOException {
        SeekableByteChannel ch = super.open(file);
        if (opens.getAndIncrement() == 0) {
          Files.write(file, "+more".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        }
        return ch;
      }
    };

    ScanResult r = scanner(appendOnce).scan("", null);

    assertThat(opens).hasValue(2);
    assertThat(find(r, "growing.log.php").hash()).isEqualTo(ContentHasher.of(Files.readAllBytes(p)));
    assertThat(r.failedPaths()).isEmpty();
  }

  @Test
  void fileThatKeepsChangingIsReportedAfterThreeRetries() throws IOException {
    write("busy.php", "start");
    AtomicInteger opens = new AtomicInteger();
    FileAccess appendAlways = new ForwardingFileAccess() {
      @Override
      public SeekableByteChannel open(Path file) throws IOException {
        SeekableByteChannel ch = super.open(file);
        opens.incrementAndGet();
        Files.write(file, "+more".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        return ch;
      }
    };

    ScanResult r = scanner(appendAlways).scan("", null);

    assertThat(opens).hasValue(1 + Scanner.MAX_RETRIES);
    assertThat(r.entries()).isEmpty();
    assertThat(r.failedPaths()).containsExactly("busy.php");
    assertThat(listener.failed.get("busy.php")).hasMessageContaining("kept changing");
  }
}
