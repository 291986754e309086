package org.replicator.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The inotify limit is read whole: {@code replicator_watches_limit} once read 1 for 192543. */
class InotifyWatchesTest {
  @TempDir Path dir;

  @Test
  void limitEqualsTheWholeValueOfTheRealSysctlFile() throws IOException {
    boolean linux = Files.isReadable(InotifyWatches.LIMIT);
    if ("true".equals(System.getenv("CI"))) {
      assertThat(linux).as("CI runs on Linux: %s must be readable", InotifyWatches.LIMIT).isTrue();
    }
    assumeTrue(linux, "no " + InotifyWatches.LIMIT + " here");
    // What `sysctl fs.inotify.max_user_watches` prints, read as the shell reads it (cat, one read).
    Process cat = new ProcessBuilder("cat", InotifyWatches.LIMIT.toString()).start();
    String shown = new String(cat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    assertThat(shown).matches("[0-9]+");
    assertThat(InotifyWatches.limit()).isEqualTo(Long.parseLong(shown));
  }

  @Test
  void sysctlFileIsParsedWhole() throws IOException {
    Path file = Files.writeString(dir.resolve("max_user_watches"), "192543\n");
    assertThat(InotifyWatches.readSysctl(file)).isEqualTo(192543);
  }

  @Test
  void missingOrGarbledSysctlFileIsUnknown() throws IOException {
    assertThat(InotifyWatches.readSysctl(dir.resolve("absent"))).isEqualTo(-1);
    assertThat(InotifyWatches.readSysctl(Files.writeString(dir.resolve("garbled"), "lots\n"))).isEqualTo(-1);
    assertThat(InotifyWatches.readSysctl(Files.writeString(dir.resolve("empty"), ""))).isEqualTo(-1);
  }
}
