package org.replicator.agent.watch.inotify;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel's answer on the real disk: open for writing (by this process) or not. */
class LeaseWriterCheckTest {
  @TempDir Path dir;

  @Test
  void aFileOpenForWritingIsSeenAsSuchUntilClosed() throws Exception {
    LeaseWriterCheck check = new LeaseWriterCheck(dir);
    try (OutputStream out = Files.newOutputStream(dir.resolve("up.zip"))) {
      out.write(1);
      assertThat(check.openForWriting("up.zip")).isTrue();
    }
    assertThat(check.openForWriting("up.zip")).isFalse();
  }

  @Test
  void readersDoNotCountAndAMissingFileCannotBeTold() throws Exception {
    Files.writeString(dir.resolve("a.php"), "x");
    LeaseWriterCheck check = new LeaseWriterCheck(dir);
    try (FileChannel reader = FileChannel.open(dir.resolve("a.php"), StandardOpenOption.READ)) {
      assertThat(check.openForWriting("a.php")).isFalse();
    }
    assertThat(check.openForWriting("missing")).isNull();
  }

  /**
   * A writer opening the file while the lease is held breaks it: the kernel then signals this
   * process. With the default signal (SIGIO) that ends the JVM; this test's fork would die.
   */
  @Test
  void writersOpeningTheFileWhileItIsCheckedDoNotEndTheProcess() throws Exception {
    Path file = Files.writeString(dir.resolve("hot.log"), "x");
    LeaseWriterCheck check = new LeaseWriterCheck(dir);
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread writer = new Thread(() -> {
      while (!stop.get()) {
        try (FileChannel w = FileChannel.open(file, StandardOpenOption.WRITE)) {
          w.position(0);
        } catch (java.io.IOException e) {
          throw new IllegalStateException(e);
        }
      }
    });
    writer.start();
    int answered = 0;
    for (int i = 0; i < 20_000; i++) {
      if (check.openForWriting("hot.log") != null) {
        answered++;
      }
    }
    stop.set(true);
    writer.join();
    assertThat(answered).isPositive();
  }
}
