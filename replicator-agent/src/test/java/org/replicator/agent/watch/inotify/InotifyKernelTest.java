package org.replicator.agent.watch.inotify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.replicator.agent.watch.inotify.InotifyMask.*;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The binding against the real kernel, on the real disk: what a writer, a rename and a delete
 * produce. Events are read until the expected one arrives (each read waits in poll, bounded).
 */
class InotifyKernelTest {
  @TempDir Path dir;
  private Inotify inotify;
  private final List<InotifyEvent> seen = new ArrayList<>();

  @BeforeEach
  void open() throws IOException {
    inotify = Inotify.open();
  }

  @AfterEach
  void close() {
    inotify.close();
  }

  /** Reads until an event with these bits and this name arrived (at most ~5 s of empty polls). */
  private InotifyEvent await(int bits, String name) throws Exception {
    for (int polls = 0; polls < 50; polls++) {
      for (InotifyEvent e : seen) {
        if (e.is(bits) && e.name().equals(name)) {
          return e;
        }
      }
      ByteBuffer b = inotify.read(100);
      InotifyEventParser.parse(b, seen::add);
    }
    throw new AssertionError("no " + describe(bits) + " for " + name + " in " + seen);
  }

  @Test
  void aWriterProducesCreateModifiesAndOneCloseWriteAtTheEnd() throws Exception {
    int wd = inotify.addWatch(dir, DIRECTORY_WATCH);
    try (OutputStream out = Files.newOutputStream(dir.resolve("f.php"))) {
      out.write(new byte[100]);
      out.flush();
      out.write(new byte[100]);
      await(IN_MODIFY, "f.php");
      assertThat(seen).noneMatch(e -> e.is(IN_CLOSE_WRITE));
    }
    InotifyEvent close = await(IN_CLOSE_WRITE, "f.php");

    assertThat(close.wd()).isEqualTo(wd);
    assertThat(seen.get(0).is(IN_CREATE)).isTrue();
    assertThat(seen.indexOf(close)).isEqualTo(seen.size() - 1);
  }

  @Test
  void aRenameCarriesOneCookieOnBothHalves() throws Exception {
    Path a = Files.createDirectories(dir.resolve("a"));
    Path b = Files.createDirectories(dir.resolve("b"));
    Files.createDirectories(a.resolve("sub"));
    int wdA = inotify.addWatch(a, DIRECTORY_WATCH);
    int wdB = inotify.addWatch(b, DIRECTORY_WATCH);
    Files.move(a.resolve("sub"), b.resolve("moved"));

    InotifyEvent from = await(IN_MOVED_FROM, "sub");
    InotifyEvent to = await(IN_MOVED_TO, "moved");
    assertThat(from.wd()).isEqualTo(wdA);
    assertThat(to.wd()).isEqualTo(wdB);
    assertThat(from.cookie()).isNotZero().isEqualTo(to.cookie());
    assertThat(from.isDirectory()).isTrue();
  }

  @Test
  void deletingAWatchedDirectoryEndsItsWatch() throws Exception {
    Path sub = Files.createDirectories(dir.resolve("sub"));
    int wd = inotify.addWatch(sub, DIRECTORY_WATCH);
    Files.delete(sub);

    await(IN_IGNORED, "");
    assertThat(seen).anyMatch(e -> e.wd() == wd && e.is(IN_DELETE_SELF));
    assertThat(inotify.removeWatch(wd)).isFalse();
  }

  @Test
  void aMissingDirectoryOrAFileIsRefusedWithTheReason() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> inotify.addWatch(dir.resolve("missing"), DIRECTORY_WATCH))
        .isInstanceOfSatisfying(Inotify.WatchException.class, e -> assertThat(e.isGone()).isTrue())
        .hasMessageContaining("missing").hasMessageContaining("errno 2");
    assertThatThrownBy(() -> inotify.addWatch(file, DIRECTORY_WATCH))
        .isInstanceOfSatisfying(Inotify.WatchException.class, e -> assertThat(e.errno()).isEqualTo(Inotify.WatchException.ENOTDIR));
  }

  @Test
  void aReadWithNothingPendingReturnsEmptyAfterItsTimeout() throws Exception {
    inotify.addWatch(dir, DIRECTORY_WATCH);
    assertThat(inotify.read(10).remaining()).isZero();
  }
}
