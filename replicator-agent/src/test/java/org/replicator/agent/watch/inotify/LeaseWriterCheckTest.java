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
}
