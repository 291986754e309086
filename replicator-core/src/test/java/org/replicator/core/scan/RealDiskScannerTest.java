package org.replicator.core.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scanner contract on the real disk, plus what only a real OS can show. */
class RealDiskScannerTest extends ScannerContractTest {
  @TempDir Path tmp;

  @Override
  protected Path newRoot() throws IOException {
    return Files.createDirectories(tmp.resolve("www"));
  }

  @AfterEach
  void restorePermissions() throws IOException {
    // Let @TempDir clean up after the permission tests.
    try (var all = Files.walk(tmp)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
        }
      }
    }
  }

  private static boolean run(Path dir, String... command) throws IOException, InterruptedException {
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false; // the tool is not installed: the caller skips
    }
  }

  private static boolean isRoot() throws IOException {
    return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).intValue() == 0;
  }

  @Test
  void nameThatIsNotUtf8IsReportedAndSkippedNotFailed() throws Exception {
    write("good.php", "x");
    assumeTrue(run(root, "bash", "-c", "touch $'bad\\xff.php' && mkdir $'dir\\xfe' && touch $'dir\\xfe/inner'"),
        "bash cannot create a non-UTF-8 name here");

    ScanResult r = scanner().scan("", null);

    assertThat(paths(r)).containsExactly("good.php");
    assertThat(r.failedPaths()).isEmpty();
    assertThat(listener.invalid).containsExactlyInAnyOrder("|bad\uFFFD.php", "|dir\uFFFD");
  }

  @Test
  void fifoIsReportedAsUnsupportedAndNeverOpened() throws Exception {
    assumeTrue(run(root, "mkfifo", "pipe"), "mkfifo unavailable");
    write("normal.php", "x");

    ScanResult r = scanner().scan("", null);

    assertThat(paths(r)).containsExactly("normal.php");
    assertThat(listener.unsupported).containsExactly("pipe");
    assertThat(scanner().stat("pipe")).isNull();
  }

  @Test
  void unreadableDirectoryIsReportedWhenNotRoot() throws IOException {
    assumeTrue(!isRoot(), "root reads a mode-000 directory; the FileAccess-based test covers this case");
    write("locked/inside.php", "x");
    write("open.php", "y");
    Files.setPosixFilePermissions(root.resolve("locked"), PosixFilePermissions.fromString("---------"));

    ScanResult r = scanner().scan("", null);

    assertThat(paths(r)).containsExactly("locked", "open.php");
    assertThat(r.failedPaths()).containsExactly("locked");
    assertThat(find(r, "locked").mode()).isZero();
  }

  @Test
  void unreadableFileIsReportedWhenNotRoot() throws IOException {
    assumeTrue(!isRoot(), "root reads a mode-000 file; the FileAccess-based test covers this case");
    Path secret = write("secret.php", "x");
    Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("---------"));

    ScanResult r = scanner().scan("", null);

    assertThat(r.entries()).isEmpty();
    assertThat(r.failedPaths()).containsExactly("secret.php");
  }

  @Test
  void symlinkedDocrootIsFollowedButNothingInsideIs() throws IOException {
    write("inside.php", "x");
    Path alias = Files.createSymbolicLink(tmp.resolve("current"), root);
    Scanner s = new Scanner(alias, org.replicator.core.ignore.ExcludeFilter.NONE, true, listener);
    assertThat(paths(s.scan("", null))).containsExactly("inside.php");
  }

  @Test
  void statAndHashNeverLookThroughASymlinkedParent() throws IOException {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("wp-config.php"), "secret");
    Files.createSymbolicLink(root.resolve("planted"), outside);
    Scanner s = new Scanner(root, org.replicator.core.ignore.ExcludeFilter.NONE, true, listener);
    assertThat(s.stat("planted/wp-config.php")).as("not part of the tree").isNull();
    assertThatThrownBy(() -> s.hash("planted/wp-config.php")).isInstanceOf(java.nio.file.NoSuchFileException.class);
    assertThat(s.stat("planted")).as("the link itself is").isNotNull();
  }
}
