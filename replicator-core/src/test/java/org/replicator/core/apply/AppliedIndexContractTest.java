package org.replicator.core.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.scan.ScanListener;
import org.replicator.core.scan.Scanner;
import org.replicator.core.testing.RecordingApplyListener;
import org.replicator.core.testing.TreeBuilder;

/**
 * The slave's index upkeep ({@link AppliedIndex}) on Jimfs and on the real disk: after every op
 * the index says what the disk holds, with the content hash the master expects.
 */
abstract class AppliedIndexContractTest {
  static final long T0 = 1_700_000_000_123_456_789L;
  static final Meta FILE_META = new Meta(0644, T0, Meta.NO_OWNER, Meta.NO_OWNER);
  static final Meta DIR_META = new Meta(0755, T0, Meta.NO_OWNER, Meta.NO_OWNER);

  Path root;
  TreeBuilder tree;
  Index index;
  Applier applier;
  AppliedIndex kept;
  private long seq;

  /** A fresh, empty directory on the file system under test. */
  abstract Path newBase() throws IOException;

  void closeBase() throws IOException {}

  @BeforeEach
  void setUp() throws IOException {
    root = newBase().resolve("www");
    tree = TreeBuilder.at(root);
    index = new Index();
    applier = new Applier(root, new ApplierOptions(true, false, true), new RecordingApplyListener());
    applier.start();
    kept = new AppliedIndex(index, new Scanner(root, ExcludeFilter.NONE, false, ScanListener.NONE), applier);
  }

  @AfterEach
  void tearDown() throws IOException {
    try {
      applier.close();
    } finally {
      closeBase();
    }
  }

  private void apply(Op op) throws Exception {
    applier.beginBatch(++seq);
    applier.apply(op);
    applier.endBatch(seq);
    kept.applied(op);
  }

  private static long hashOf(String content) {
    return ContentHasher.of(content.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void mkdirIsRecordedWithItsStat() throws Exception {
    apply(new Op.Mkdir("css", DIR_META));

    Entry e = index.get("css");
    assertThat(e.type()).isEqualTo(EntryType.DIR);
    assertThat(e.sameStat(new Scanner(root, ExcludeFilter.NONE, false, ScanListener.NONE).stat("css"))).isTrue();
  }

  @Test
  void moveKeepsTheHashOfWhatMovedAndDropsTheOldPath() throws Exception {
    tree.file("a.txt", "alpha");
    index.put(new Scanner(root, ExcludeFilter.NONE, false, ScanListener.NONE).stat("a.txt").withHash(hashOf("alpha")));

    apply(new Op.Move("a.txt", "b.txt"));

    assertThat(index.get("a.txt")).isNull();
    assertThat(index.get("b.txt").hash()).isEqualTo(hashOf("alpha"));
  }

  @Test
  void hardlinkTakesTheHashOfItsTarget() throws Exception {
    tree.file("a.txt", "alpha");
    index.put(new Scanner(root, ExcludeFilter.NONE, false, ScanListener.NONE).stat("a.txt").withHash(hashOf("alpha")));

    apply(new Op.Hardlink("b.txt", "a.txt"));

    assertThat(index.get("b.txt").hash()).isEqualTo(hashOf("alpha"));
  }

  @Test
  void deleteRemovesTheWholeSubtree() throws Exception {
    apply(new Op.Mkdir("d", DIR_META));
    apply(new Op.Mkdir("d/e", DIR_META));

    apply(new Op.Delete("d"));

    assertThat(index.get("d")).isNull();
    assertThat(index.get("d/e")).isNull();
  }

  @Test
  void installedPutIsRecordedWithTheHashItWasSentWith() throws Exception {
    tree.file("a.txt", "alpha");

    assertThat(kept.installed("a.txt", hashOf("alpha"))).isTrue();
    assertThat(index.get("a.txt").hash()).isEqualTo(hashOf("alpha"));
    assertThat(index.get("a.txt").size()).isEqualTo(5);
  }

  @Test
  void installedPutAlreadyGoneIsNotRecorded() throws Exception {
    assertThat(kept.installed("gone.txt", 1)).isFalse();
    assertThat(index.get("gone.txt")).isNull();
  }

  @Test
  void patchBasisMatchingTheDiskIsAccepted() throws Exception {
    tree.file("a.txt", "alpha");

    kept.verifyBasis(new Op.PutFile("a.txt", 6, FILE_META, new Op.Basis(hashOf("alpha"), 5)));
  }

  @Test
  void patchBasisOfAnotherContentIsRefusedNamingWhatTheSlaveHas() throws Exception {
    tree.file("a.txt", "omega");

    ApplyException e = catchThrowableOfType(ApplyException.class,
        () -> kept.verifyBasis(new Op.PutFile("a.txt", 6, FILE_META, new Op.Basis(hashOf("alpha"), 5))));

    assertThat(e.kind()).isEqualTo(ApplyException.Kind.BASIS_MISMATCH);
    assertThat(e).hasMessageContaining("a 5-byte file of another content").hasMessageContaining("old file kept");
  }

  @Test
  void patchBasisOfAMissingFileIsRefused() throws Exception {
    ApplyException e = catchThrowableOfType(ApplyException.class,
        () -> kept.verifyBasis(new Op.PutFile("a.txt", 6, FILE_META, new Op.Basis(hashOf("alpha"), 5))));

    assertThat(e.kind()).isEqualTo(ApplyException.Kind.BASIS_MISMATCH);
    assertThat(e).hasMessageContaining("this slave has no file");
  }

  @Test
  void rescanBringsTheIndexBackToTheDisk() throws Exception {
    tree.file("kept.txt", "same").file("new.txt", "fresh");
    index.put(new Scanner(root, ExcludeFilter.NONE, false, ScanListener.NONE).stat("kept.txt").withHash(hashOf("same")));
    index.put(new Entry("gone.txt", EntryType.FILE, 3, T0, 0644, 0, 0, 42, "", 1, 1, T0));

    kept.rescan();

    assertThat(index.get("gone.txt")).isNull();
    assertThat(index.get("kept.txt").hash()).isEqualTo(hashOf("same"));
    assertThat(index.get("new.txt").hash()).isEqualTo(hashOf("fresh"));
    assertThat(index.get("")).isNull();
  }
}
