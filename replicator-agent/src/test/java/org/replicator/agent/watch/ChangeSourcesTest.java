package org.replicator.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.plan.WriterCheck;

/** Which source runs, and the reason status and the log give for it. */
class ChangeSourcesTest {
  @TempDir Path root;
  private final ExcludeMatcher filter = new ExcludeMatcher(List.of());

  @Test
  void linuxGetsInotifyWithCloseWriteAndAWriterCheck() throws Exception {
    ChangeSources.Choice c = ChangeSources.pick(root, filter, b -> {}, "", "Linux");
    try {
      assertThat(c.name()).isEqualTo("inotify");
      assertThat(c.source().reportsCloseWrite()).isTrue();
      assertThat(c.writerCheck()).isNotSameAs(WriterCheck.NONE);
    } finally {
      c.source().close();
    }
  }

  @Test
  void theOperatorCanAskForThePortableWatcher() throws Exception {
    ChangeSources.Choice c = ChangeSources.pick(root, filter, b -> {}, " Portable ", "Linux");
    assertThat(c.name()).isEqualTo("directory-watcher");
    assertThat(c.reason()).isEqualTo("asked for with -Dreplicator.watcher=Portable");
    assertThat(c.source().reportsCloseWrite()).isFalse();
    assertThat(c.writerCheck()).isSameAs(WriterCheck.NONE);
  }

  @Test
  void otherSystemsAndUnknownValuesGetThePortableWatcherWithTheReason() {
    assertThat(ChangeSources.pick(root, filter, b -> {}, "", "Mac OS X").reason()).isEqualTo("inotify is Linux only (os.name=Mac OS X)");
    assertThat(ChangeSources.pick(root, filter, b -> {}, "fanotify", "Linux").reason())
        .isEqualTo("unknown -Dreplicator.watcher=fanotify (inotify or portable)");
  }
}
