package org.replicator.agent.role;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.role.Epoch;

/** On the real disk: ctime is what decides, and the kernel sets it. */
class KeptAsideTest {
  @TempDir Path tmp;

  @Test
  void keepsFilesChangedSinceTheCutoffWhateverTheirMtimeAndNothingExcluded() throws IOException {
    Path docroot = Files.createDirectories(tmp.resolve("www"));
    Path state = Files.createDirectories(tmp.resolve("state"));
    Files.writeString(docroot.resolve("old.php"), "old");
    long cutoff = ctime(docroot.resolve("old.php")) + 1;
    // A change after the cut-off, with an mtime set back (as cp -p or tar would): ctime still tells.
    Files.createDirectories(docroot.resolve("wp-content/uploads"));
    Path changed = docroot.resolve("wp-content/uploads/new.jpg");
    for (int i = 0; i < 1_000_000 && (!Files.exists(changed) || ctime(changed) < cutoff); i++) {
      Files.writeString(changed, "new"); // until the kernel's clock ticked past old.php's change
    }
    Files.setLastModifiedTime(changed, FileTime.fromMillis(0));
    Files.createDirectories(docroot.resolve(".replicator"));
    Files.writeString(docroot.resolve(".replicator/marker"), "x");
    Files.createDirectories(docroot.resolve("cache"));
    Files.writeString(docroot.resolve("cache/page.html"), "cached");

    KeptAside.Result r = KeptAside.copyChangedSince(state, docroot, new ExcludeMatcher(List.of("/cache/")), new Epoch(4, "web1"), cutoff);

    assertThat(r.paths()).containsExactly("wp-content/uploads/new.jpg");
    assertThat(r.dir()).isEqualTo(state.resolve("kept-aside/4"));
    assertThat(Files.readString(r.dir().resolve("wp-content/uploads/new.jpg"))).isEqualTo("new");
    assertThat(Files.readString(state.resolve("kept-aside/4.manifest"))).contains("epoch 4").contains("wp-content/uploads/new.jpg");
    assertThat(KeptAside.list(state)).containsExactly(r.dir().toString());

    KeptAside.Result again = KeptAside.copyChangedSince(state, docroot, new ExcludeMatcher(List.of()), new Epoch(4, "web1"), cutoff);
    assertThat(again.dir()).as("an earlier step-down of the same epoch keeps its copies").isEqualTo(state.resolve("kept-aside/4.2"));
  }

  @Test
  void withoutAJournalEverythingIsKeptAsideAndSaidSo() throws IOException {
    Path docroot = Files.createDirectories(tmp.resolve("www"));
    Path state = Files.createDirectories(tmp.resolve("state"));
    Files.writeString(docroot.resolve("a.php"), "a");
    KeptAside.Result r = KeptAside.collect(state, docroot, new ExcludeMatcher(List.of()), "web2", new Epoch(0, "web1"),
        org.replicator.agent.journal.Journal.Settings.of(1 << 20, 3600));
    assertThat(r.paths()).containsExactly("a.php");
    assertThat(r.note()).contains("every file of the docroot was kept aside");
  }

  private static long ctime(Path p) throws IOException {
    return ((FileTime) Files.getAttribute(p, "unix:ctime")).toMillis();
  }
}
