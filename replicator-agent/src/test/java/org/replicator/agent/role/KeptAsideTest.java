package org.replicator.agent.role;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.journal.Journal;
import org.replicator.agent.lifecycle.IndexFiles;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.plan.PlannedOp;
import org.replicator.core.role.Epoch;

/** On the real disk: ctime is what decides, and the kernel sets it. */
class KeptAsideTest {
  private static final Meta META = new Meta(0755, 0, 0, 0);

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

  /**
   * A real journal: deletes after the new master's acknowledgement are named, those it had are
   * not, and so is a path the journal or saved index knew that is gone with no delete journaled.
   */
  @Test
  void pathsDeletedAfterTheNewMastersLastAckAreNamedInTheManifestWhenStillMissing() throws IOException {
    Path docroot = Files.createDirectories(tmp.resolve("www"));
    Path state = Files.createDirectories(tmp.resolve("state"));
    Files.writeString(docroot.resolve("recreated.php"), "back again");
    Files.writeString(docroot.resolve("renamed-to.php"), "moved");
    Journal.Settings settings = Journal.Settings.of(1 << 20, 3600);
    long now = System.currentTimeMillis();
    try (Journal journal = Journal.open(state.resolve("journal"), settings, 1)) {
      journal.append(2, now - 60_000, 0, List.of(
          PlannedOp.of(new Op.Delete("web2-had-this-delete.php")),
          PlannedOp.of(new Op.Mkdir("gone-plugin", META)),
          PlannedOp.of(new Op.Symlink("gone-plugin/link", "x", META)),
          PlannedOp.of(new Op.Delete("gone-plugin")),
          // Deleted later without a journal record (its agent was down): only this put knows it.
          PlannedOp.of(new Op.Symlink("deleted-while-down.php", "x", META))));
      journal.append(3, now - 50_000, 0, List.of(
          PlannedOp.of(new Op.Delete("wp-content/uploads/x.jpg")),
          PlannedOp.of(new Op.Move("renamed-from.php", "renamed-to.php")),
          PlannedOp.of(new Op.Delete("recreated.php")),
          PlannedOp.of(new Op.Delete("cache/page.html"))));
      journal.append(4, now - 40_000, 0, List.of(PlannedOp.of(new Op.Delete("wp-content/uploads/x.jpg"))));
      journal.acknowledged("web2", 2);
      journal.acknowledged("web3", 4);
    }
    // What a restarted master had not planned yet: its saved index still holds it (a directory once).
    Index saved = new Index();
    saved.put(entry("old-dir", EntryType.DIR));
    saved.put(entry("old-dir/a.php", EntryType.FILE));
    saved.put(entry("recreated.php", EntryType.FILE));
    saved.save(IndexFiles.of(state));

    KeptAside.Result r = KeptAside.collect(state, docroot, new ExcludeMatcher(List.of("/cache/")), "web2", new Epoch(3, "web1"), settings);

    assertThat(r.deleted()).containsExactlyInAnyOrder("wp-content/uploads/x.jpg", "renamed-from.php", "old-dir", "deleted-while-down.php");
    assertThat(r.deletedOmitted()).isZero();
    assertThat(r.dir()).isEqualTo(state.resolve("kept-aside/3"));
    assertThat(r.paths()).as("still on disk, changed after the cut-off: copied").contains("recreated.php", "renamed-to.php");
    String manifest = Files.readString(state.resolve("kept-aside/3.manifest"));
    assertThat(manifest).contains("deleted: wp-content/uploads/x.jpg\n", "deleted: renamed-from.php\n", "deleted: old-dir\n")
        .doesNotContain("web2-had-this-delete", "deleted: recreated.php", "cache/page.html", "old-dir/a.php", "gone-plugin");
  }

  @Test
  void deletionsAloneStillMakeAKeptAsideDirectoryAndManifest() throws IOException {
    Path docroot = Files.createDirectories(tmp.resolve("www"));
    Path state = Files.createDirectories(tmp.resolve("state"));
    KeptAside.Result r = KeptAside.copyChangedSince(state, docroot, new ExcludeMatcher(List.of()), new Epoch(1, "web1"), Long.MAX_VALUE,
        new KeptDeletions.Found(List.of("gone.php"), 7));
    assertThat(r.paths()).isEmpty();
    assertThat(KeptAside.list(state)).containsExactly(state.resolve("kept-aside/1").toString());
    assertThat(Files.readString(state.resolve("kept-aside/1.manifest"))).contains("deleted: gone.php\n").contains("and 7 more deleted paths");
  }

  private static Entry entry(String path, EntryType type) {
    return new Entry(path, type, 1, 0, 0644, 0, 0, 0, "", 0, 1, 0);
  }

  private static long ctime(Path p) throws IOException {
    return ((FileTime) Files.getAttribute(p, "unix:ctime")).toMillis();
  }
}
