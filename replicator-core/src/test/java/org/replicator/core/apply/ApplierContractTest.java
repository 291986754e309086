package org.replicator.core.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.replicator.core.apply.ApplyException.Kind;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.testing.ApplyInvariants;
import org.replicator.core.testing.RecordingApplyListener;
import org.replicator.core.testing.TreeBuilder;
import org.replicator.core.testing.TreeSnapshot;

/**
 * One body of applier behaviour, run on Jimfs and on the real disk (okio's AbstractFileSystemTest
 * idea). What a file system cannot do is a constructor flag; tests that need it are skipped there.
 * After every test {@link ApplyInvariants} checks that no temp file is left and that nothing outside
 * the docroot changed (a sentinel tree {@code outside/} sits next to the docroot).
 *
 * <p>Longer than our usual file on purpose: it is the whole applier contract, one section per op,
 * and splitting it would mean one abstract class plus two subclasses per section.
 */
abstract class ApplierContractTest {
  static final long T0 = 1_700_000_000_123_456_789L;
  static final long T1 = 1_710_000_000_987_654_321L;
  static final Meta FILE_META = new Meta(0644, T0, Meta.NO_OWNER, Meta.NO_OWNER);
  static final Meta DIR_META = new Meta(0755, T0, Meta.NO_OWNER, Meta.NO_OWNER);

  /** The file system can chown (real disk, as root). */
  final boolean owners;
  /** Holes take no space and that can be measured (real disk with {@code stat}). */
  final boolean holes;

  Path base;
  Path root;
  Path outside;
  TreeBuilder tree;
  RecordingApplyListener listener;
  Applier applier;
  ApplyInvariants invariants;
  private long seq;

  ApplierContractTest(boolean owners, boolean holes) {
    this.owners = owners;
    this.holes = holes;
  }

  /** A fresh, empty directory on the file system under test. */
  abstract Path newBase() throws IOException;

  @BeforeEach
  void setUp() throws IOException {
    base = newBase();
    root = base.resolve("www");
    outside = base.resolve("outside");
    tree = TreeBuilder.at(root);
    TreeBuilder.at(outside).file("secret.txt", "secret", 0600, T0).dir("dir", 0755, T0);
    invariants = ApplyInvariants.watch(root, base);
    listener = new RecordingApplyListener();
    applier = newApplier(new ApplierOptions(true, false, true));
  }

  /** Releases what {@link #newBase()} opened; runs after the invariants are checked. */
  void closeBase() throws IOException {}

  @AfterEach
  void checkInvariants() throws IOException {
    try {
      applier.close();
      invariants.assertHeld();
    } finally {
      closeBase();
    }
  }

  Applier newApplier(ApplierOptions options) throws IOException {
    Applier a = new Applier(root, options, listener);
    a.start();
    return a;
  }

  // ---- helpers -------------------------------------------------------------------------------

  void batch(Op... ops) throws ApplyException {
    applier.beginBatch(++seq);
    for (Op op : ops) {
      applier.apply(op);
    }
    applier.endBatch(seq);
  }

  void put(String path, byte[] content, Meta meta) throws ApplyException {
    applier.beginBatch(++seq);
    FileSink sink = applier.beginPut(new Op.PutFile(path, content.length, meta));
    sink.write(ByteBuffer.wrap(content));
    sink.commit(ContentHasher.of(content));
    applier.endBatch(seq);
  }

  void put(String path, String content) throws ApplyException {
    put(path, bytes(content), FILE_META);
  }

  /** Runs {@code action} in a batch that is ended even when it throws (as the receiver does). */
  ApplyException failing(Action action) throws ApplyException {
    applier.beginBatch(++seq);
    try {
      action.run();
    } catch (ApplyException e) {
      applier.endBatch(seq);
      return e;
    }
    applier.endBatch(seq);
    throw new AssertionError("expected an ApplyException");
  }

  interface Action {
    void run() throws ApplyException;
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  String read(String rel) throws IOException {
    return Files.readString(root.resolve(rel), StandardCharsets.UTF_8);
  }

  BasicFileAttributes lstat(String rel) throws IOException {
    return Files.readAttributes(root.resolve(rel), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
  }

  boolean exists(String rel) {
    return Files.exists(root.resolve(rel), LinkOption.NOFOLLOW_LINKS);
  }

  long mtime(String rel) throws IOException {
    return lstat(rel).lastModifiedTime().to(TimeUnit.NANOSECONDS);
  }

  TreeSnapshot.Node node(String rel) {
    return TreeSnapshot.of(root).node(rel);
  }

  // ---- put -----------------------------------------------------------------------------------

  @Test
  void putCreatesFileWithContentModeAndNanosecondMtime() throws Exception {
    put("wp-config.php", bytes("<?php"), new Meta(0640, T0, Meta.NO_OWNER, Meta.NO_OWNER));

    assertThat(read("wp-config.php")).isEqualTo("<?php");
    assertThat(node("wp-config.php").mode()).isEqualTo(0640);
    assertThat(mtime("wp-config.php")).isEqualTo(T0);
    assertThat(listener.events()).contains("applied PutFile wp-config.php 5");
  }

  @Test
  void putOverwritesExistingFile() throws Exception {
    tree.file("a.php", "old content that is longer");

    put("a.php", "new");

    assertThat(read("a.php")).isEqualTo("new");
  }

  @Test
  void putIsInvisibleUnderItsNameUntilCommit() throws Exception {
    tree.file("a.php", "old");
    byte[] content = bytes("new!");
    applier.beginBatch(1);
    FileSink sink = applier.beginPut(new Op.PutFile("a.php", content.length, FILE_META));
    sink.write(ByteBuffer.wrap(content, 0, 2));
    assertThat(read("a.php")).isEqualTo("old");
    sink.write(ByteBuffer.wrap(content, 2, 2));
    assertThat(read("a.php")).isEqualTo("old");
    sink.commit(ContentHasher.of(content));
    applier.endBatch(1);

    assertThat(read("a.php")).isEqualTo("new!");
  }

  @Test
  void putOfEmptyFileCreatesEmptyFile() throws Exception {
    put("empty", new byte[0], FILE_META);

    assertThat(lstat("empty").size()).isZero();
  }

  @Test
  void putStreamsALargeFileInChunks() throws Exception {
    byte[] content = new byte[3 * ContentHasher.BLOCK + 1234];
    new Random(42).nextBytes(content);
    applier.beginBatch(1);
    FileSink sink = applier.beginPut(new Op.PutFile("big.bin", content.length, FILE_META));
    for (int off = 0; off < content.length; off += 10_000) {
      sink.write(ByteBuffer.wrap(content, off, Math.min(10_000, content.length - off)));
    }
    sink.commit(ContentHasher.of(content));
    applier.endBatch(1);

    assertThat(Files.readAllBytes(root.resolve("big.bin"))).isEqualTo(content);
  }

  @Test
  void putDeclaringMoreThanTheFreeSpaceIsRefusedBeforeWriting() throws Exception {
    tree.file("video.mp4", "old");
    applier.beginBatch(1);
    assertThatThrownBy(() -> applier.beginPut(new Op.PutFile("video.mp4", Long.MAX_VALUE / 2, FILE_META)))
        .isInstanceOfSatisfying(ApplyException.class, e -> assertThat(e.kind()).isEqualTo(ApplyException.Kind.NO_SPACE))
        .hasMessageContaining("video.mp4").hasMessageContaining("free");
    applier.endBatch(1);

    assertThat(read("video.mp4")).as("old file kept").isEqualTo("old");
  }

  @Test
  void putCreatesMissingParentDirectoriesWithMode0755() throws Exception {
    put("wp-content/uploads/2024/a.jpg", "jpg");

    assertThat(read("wp-content/uploads/2024/a.jpg")).isEqualTo("jpg");
    assertThat(node("wp-content/uploads").mode()).isEqualTo(0755);
    assertThat(listener.events()).contains("parentCreated wp-content", "parentCreated wp-content/uploads/2024");
  }

  @Test
  void putReplacesDirectoryWithFile() throws Exception {
    tree.file("thing/inner.txt", "x");

    put("thing", "now a file");

    assertThat(read("thing")).isEqualTo("now a file");
  }

  @Test
  void putReplacesSymlinkAsLinkWithoutFollowingIt() throws Exception {
    tree.symlink("link.php", outside.resolve("secret.txt"));

    put("link.php", "local");

    assertThat(lstat("link.php").isRegularFile()).isTrue();
    assertThat(read("link.php")).isEqualTo("local");
    // ApplyInvariants checks that outside/secret.txt still says "secret".
  }

  @Test
  void putStripsSetuidSetgidAndStickyBits() throws Exception {
    put("bin", bytes("#!/bin/sh"), new Meta(07755, T0, Meta.NO_OWNER, Meta.NO_OWNER));

    assertThat(Files.getAttribute(root.resolve("bin"), "unix:mode", LinkOption.NOFOLLOW_LINKS)).satisfies(
        mode -> assertThat(((Integer) mode) & 07777).isEqualTo(0755));
  }

  @Test
  void putWithHashMismatchKeepsOldFile() throws Exception {
    tree.file("wp-content/a.php", "old");

    ApplyException e = failing(() -> {
      FileSink sink = applier.beginPut(new Op.PutFile("wp-content/a.php", 3, FILE_META));
      sink.write(ByteBuffer.wrap(bytes("new")));
      sink.commit(ContentHasher.of(bytes("other")));
    });

    assertThat(e.kind()).isEqualTo(Kind.HASH_MISMATCH);
    assertThat(e.path()).isEqualTo("wp-content/a.php");
    assertThat(e).hasMessageStartingWith("cannot apply PutFile wp-content/a.php: hash mismatch, expected 0x")
        .hasMessageEndingWith("; old file kept");
    assertThat(read("wp-content/a.php")).isEqualTo("old");
  }

  @Test
  void putWithFewerBytesThanAnnouncedFailsWithSizeMismatch() throws Exception {
    tree.file("a.php", "old");

    ApplyException e = failing(() -> {
      FileSink sink = applier.beginPut(new Op.PutFile("a.php", 10, FILE_META));
      sink.write(ByteBuffer.wrap(bytes("new")));
      sink.commit(ContentHasher.of(bytes("new")));
    });

    assertThat(e.kind()).isEqualTo(Kind.SIZE_MISMATCH);
    assertThat(e).hasMessageContaining("announced 10 bytes, received 3");
    assertThat(read("a.php")).isEqualTo("old");
  }

  @Test
  void putWithMoreBytesThanAnnouncedFailsBeforeWritingThem() throws Exception {
    ApplyException e = failing(() -> {
      FileSink sink = applier.beginPut(new Op.PutFile("a.php", 2, FILE_META));
      sink.write(ByteBuffer.wrap(bytes("too long")));
    });

    assertThat(e.kind()).isEqualTo(Kind.SIZE_MISMATCH);
    assertThat(exists("a.php")).isFalse();
  }

  @Test
  void abortedPutLeavesNoTempFileAndKeepsOldFile() throws Exception {
    tree.file("a.php", "old");
    applier.beginBatch(1);
    FileSink sink = applier.beginPut(new Op.PutFile("a.php", 3, FILE_META));
    sink.write(ByteBuffer.wrap(bytes("ne")));
    assertThat(ApplyInvariants.tempEntries(root)).hasSize(1);

    sink.abort();
    applier.endBatch(1);

    assertThat(ApplyInvariants.tempEntries(root)).isEmpty();
    assertThat(read("a.php")).isEqualTo("old");
  }

  @Test
  void closeAbortsPutsStillOpen() throws Exception {
    applier.beginBatch(1);
    FileSink sink = applier.beginPut(new Op.PutFile("a.php", 3, FILE_META));
    sink.write(ByteBuffer.wrap(bytes("ne")));

    applier.close();

    assertThat(ApplyInvariants.tempEntries(root)).isEmpty();
    assertThat(exists("a.php")).isFalse();
  }

  @Test
  void zeroRunsBecomeHolesAndContentMatches() throws Exception {
    int size = 1024 * 1024;
    byte[] content = new byte[size];
    content[0] = 1;
    content[size / 2] = 2;
    applier.beginBatch(1);
    FileSink sink = applier.beginPut(new Op.PutFile("sparse.img", size, FILE_META));
    sink.write(ByteBuffer.wrap(content, 0, 1));
    sink.skipZeros(size / 2 - 1);
    sink.write(ByteBuffer.wrap(content, size / 2, 1));
    sink.skipZeros(size / 2 - 1); // ends in a hole: the length must still be exact
    sink.commit(ContentHasher.of(content));
    applier.endBatch(1);

    assertThat(Files.readAllBytes(root.resolve("sparse.img"))).isEqualTo(content);
    assertThat(mtime("sparse.img")).isEqualTo(T0);
    if (holes) {
      assertThat(RealDisk.allocatedBytes(root.resolve("sparse.img"))).isLessThan(size / 4);
    }
  }

  // ---- mkdir ---------------------------------------------------------------------------------

  @Test
  void mkdirCreatesDirectoryWithModeAndMtime() throws Exception {
    batch(new Op.Mkdir("wp-content", new Meta(0750, T0, Meta.NO_OWNER, Meta.NO_OWNER)));

    assertThat(lstat("wp-content").isDirectory()).isTrue();
    assertThat(node("wp-content").mode()).isEqualTo(0750);
    assertThat(mtime("wp-content")).isEqualTo(T0);
  }

  @Test
  void mkdirOfExistingDirectoryOnlySetsMetadata() throws Exception {
    tree.file("d/keep.txt", "keep");

    batch(new Op.Mkdir("d", new Meta(0700, T1, Meta.NO_OWNER, Meta.NO_OWNER)));

    assertThat(read("d/keep.txt")).isEqualTo("keep");
    assertThat(node("d").mode()).isEqualTo(0700);
    assertThat(mtime("d")).isEqualTo(T1);
  }

  @Test
  void mkdirReplacesFileAndSymlink() throws Exception {
    tree.file("f", "file").symlink("l", outside.resolve("dir"));

    batch(new Op.Mkdir("f", DIR_META), new Op.Mkdir("l", DIR_META));

    assertThat(ConfinedTree.isRealDirectory(lstat("f"))).isTrue();
    assertThat(ConfinedTree.isRealDirectory(lstat("l"))).isTrue();
  }

  @Test
  void directoryMtimeSurvivesChildrenAddedLaterInTheBatch() throws Exception {
    applier.beginBatch(1);
    applier.apply(new Op.Mkdir("d", DIR_META));
    applier.apply(new Op.Mkdir("d/e", DIR_META));
    FileSink sink = applier.beginPut(new Op.PutFile("d/e/f", 1, FILE_META));
    sink.write(ByteBuffer.wrap(bytes("x")));
    sink.commit(ContentHasher.of(bytes("x")));
    applier.apply(new Op.Symlink("d/l", "e/f", FILE_META));
    applier.endBatch(1);

    assertThat(mtime("d")).isEqualTo(T0);
    assertThat(mtime("d/e")).isEqualTo(T0);
  }

  @Test
  void endBatchReportsSyncedDirectories() throws Exception {
    put("a/b/c.txt", "c");

    assertThat(listener.lastSynced()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void groupCommitLeavesDirectoryFsyncsToTheGroupsLastBatch() throws Exception {
    applier.beginBatch(++seq);
    applier.apply(new Op.Mkdir("a", DIR_META));
    applier.endBatchDeferringSync(seq);
    assertThat(listener.lastSynced()).as("first batch of the group").isZero();
    assertThat(node("a").type()).as("applied all the same").isEqualTo(TreeSnapshot.Type.DIR);
    applier.beginBatch(++seq);
    applier.apply(new Op.Mkdir("b", DIR_META));
    applier.endBatch(seq);
    assertThat(listener.lastSynced()).as("the group's end syncs what both batches changed").isGreaterThanOrEqualTo(1);

    applier.beginBatch(++seq);
    applier.apply(new Op.Mkdir("a/c", DIR_META));
    applier.endBatchDeferringSync(seq);
    assertThat(applier.syncDirectories()).as("a group cut short (the connection dropped)").isGreaterThanOrEqualTo(1);
    assertThat(applier.syncDirectories()).as("nothing left to sync").isZero();
    applier.beginBatch(++seq);
    assertThatThrownBy(() -> applier.syncDirectories()).isInstanceOf(IllegalStateException.class);
    applier.endBatch(seq);
  }

  // ---- symlink -------------------------------------------------------------------------------

  @Test
  void symlinkTargetIsStoredVerbatimEvenWhenAbsoluteOrDotDot() throws Exception {
    batch(new Op.Symlink("abs", "/etc/passwd", FILE_META), new Op.Symlink("up", "../../../outside", FILE_META));

    assertThat(node("abs").linkTarget()).isEqualTo("/etc/passwd");
    assertThat(node("up").linkTarget()).isEqualTo("../../../outside");
  }

  @Test
  void symlinkGetsItsOwnMtimeAndLeavesTargetAlone() throws Exception {
    tree.file("target.txt", "t", 0644, T1);

    batch(new Op.Symlink("link", "target.txt", FILE_META));

    assertThat(mtime("link") / 1000).isEqualTo(T0 / 1000); // lutimes: microseconds
    assertThat(mtime("target.txt")).isEqualTo(T1);
  }

  @Test
  void symlinkReplacesFileSymlinkAndDirectory() throws Exception {
    tree.file("f", "x").symlink("l", "old").file("d/inner", "x");

    batch(new Op.Symlink("f", "n1", FILE_META), new Op.Symlink("l", "n2", FILE_META), new Op.Symlink("d", "n3", FILE_META));

    assertThat(node("f").linkTarget()).isEqualTo("n1");
    assertThat(node("l").linkTarget()).isEqualTo("n2");
    assertThat(node("d").linkTarget()).isEqualTo("n3");
  }

  @Test
  void symlinkWithEmptyTargetIsRefused() {
    ApplyException e = catchFailing(() -> applier.apply(new Op.Symlink("l", "", FILE_META)));

    assertThat(e.kind()).isEqualTo(Kind.POLICY);
  }

  // ---- hardlink ------------------------------------------------------------------------------

  @Test
  void hardlinkSharesTheInodeOfTheExistingFile() throws Exception {
    tree.file("a/one", "same");

    batch(new Op.Hardlink("b/two", "a/one"));

    assertThat(lstat("b/two").fileKey()).isEqualTo(lstat("a/one").fileKey());
    assertThat(node("b/two").linkGroup()).isEqualTo("a/one,b/two");
  }

  @Test
  void hardlinkReplacesAnExistingFile() throws Exception {
    tree.file("one", "same").file("two", "other");

    batch(new Op.Hardlink("two", "one"));

    assertThat(read("two")).isEqualTo("same");
    assertThat(lstat("two").fileKey()).isEqualTo(lstat("one").fileKey());
  }

  @Test
  void hardlinkThatAlreadyExistsChangesNothingAndLeavesNoTemp() throws Exception {
    tree.file("one", "same").hardlink("two", "one");

    batch(new Op.Hardlink("two", "one"));

    assertThat(node("two").linkGroup()).isEqualTo("one,two");
  }

  @Test
  void hardlinkToFileThroughSymlinkedParentIsRefused() {
    tree.symlink("evil", outside);

    ApplyException e = catchFailing(() -> applier.apply(new Op.Hardlink("stolen", "evil/secret.txt")));

    assertThat(e.kind()).isEqualTo(Kind.UNSAFE_PATH);
    assertThat(exists("stolen")).isFalse();
  }

  @Test
  void hardlinkToSymlinkIsRefused() {
    tree.symlink("ln", outside.resolve("secret.txt"));

    ApplyException e = catchFailing(() -> applier.apply(new Op.Hardlink("stolen", "ln")));

    assertThat(e.kind()).isEqualTo(Kind.UNSAFE_PATH);
    assertThat(exists("stolen")).isFalse();
  }

  @Test
  void hardlinkToDirectoryIsRefused() {
    tree.dir("d");

    ApplyException e = catchFailing(() -> applier.apply(new Op.Hardlink("x", "d")));

    assertThat(e.kind()).isEqualTo(Kind.CONFLICT);
  }

  @Test
  void hardlinkToMissingFileFailsAsMissing() {
    ApplyException e = catchFailing(() -> applier.apply(new Op.Hardlink("x", "nope")));

    assertThat(e.kind()).isEqualTo(Kind.MISSING);
  }

  // ---- delete --------------------------------------------------------------------------------

  @Test
  void deleteRemovesFilesAndDirectoriesRecursively() throws Exception {
    tree.file("f", "x").file("d/e/g", "y").symlink("d/l", "../f");

    batch(new Op.Delete("f"), new Op.Delete("d"));

    assertThat(exists("f")).isFalse();
    assertThat(exists("d")).isFalse();
  }

  @Test
  void deleteOfMissingPathIsFine() throws Exception {
    batch(new Op.Delete("nope"), new Op.Delete("no/such/parent"));

    assertThat(listener.events()).contains("applied Delete nope 0");
  }

  @Test
  void deleteOfSymlinkToDirectoryRemovesOnlyTheLink() throws Exception {
    tree.symlink("ln", outside.resolve("dir")).file("d/x", "x").symlink("d/out", outside);

    batch(new Op.Delete("ln"), new Op.Delete("d"));

    assertThat(exists("ln")).isFalse();
    assertThat(exists("d")).isFalse();
    // ApplyInvariants: outside/ and everything in it still there.
  }

  @Test
  void deleteIsSkippedWhenDeletesAreDisabled() throws Exception {
    applier.close();
    applier = newApplier(new ApplierOptions(true, false, false));
    tree.file("f", "x").file("d/x", "y");

    batch(new Op.Delete("f"));
    ApplyException e = catchFailing(() -> applier.apply(new Op.Symlink("d", "x", FILE_META)));

    assertThat(read("f")).isEqualTo("x");
    assertThat(listener.events()).contains("deleteSkipped f");
    assertThat(e.kind()).isEqualTo(Kind.POLICY);
    assertThat(read("d/x")).isEqualTo("y");
  }

  // ---- move ----------------------------------------------------------------------------------

  @Test
  void moveRenamesFileKeepingContentAndMtime() throws Exception {
    tree.file("a.txt", "a", 0600, T1);

    batch(new Op.Move("a.txt", "sub/b.txt"));

    assertThat(exists("a.txt")).isFalse();
    assertThat(read("sub/b.txt")).isEqualTo("a");
    assertThat(mtime("sub/b.txt")).isEqualTo(T1);
  }

  @Test
  void moveRenamesWholeDirectory() throws Exception {
    tree.file("old/x/y.txt", "y");

    batch(new Op.Move("old", "new"));

    assertThat(read("new/x/y.txt")).isEqualTo("y");
    assertThat(exists("old")).isFalse();
  }

  @Test
  void moveReplacesExistingFileAndNonEmptyDirectory() throws Exception {
    tree.file("a", "a").file("b", "b").file("d1/x", "1").file("d2/y", "2");

    batch(new Op.Move("a", "b"), new Op.Move("d1", "d2"));

    assertThat(read("b")).isEqualTo("a");
    assertThat(read("d2/x")).isEqualTo("1");
    assertThat(exists("d2/y")).isFalse();
  }

  @Test
  void moveBetweenTwoNamesOfOneInodeLeavesOnlyTheDestination() throws Exception {
    tree.file("a", "same").hardlink("b", "a");

    batch(new Op.Move("a", "b"));

    assertThat(exists("a")).isFalse();
    assertThat(read("b")).isEqualTo("same");
  }

  @Test
  void moveOfMissingSourceFailsAsMissing() {
    ApplyException e = catchFailing(() -> applier.apply(new Op.Move("nope", "there")));

    assertThat(e.kind()).isEqualTo(Kind.MISSING);
    assertThat(exists("there")).isFalse();
  }

  @Test
  void moveIntoItselfIsRefused() {
    tree.dir("d");

    ApplyException e = catchFailing(() -> applier.apply(new Op.Move("d", "d/sub")));

    assertThat(e.kind()).isEqualTo(Kind.POLICY);
  }

  @Test
  void moveSourceThroughSymlinkedParentIsRefused() {
    tree.symlink("evil", outside);

    ApplyException e = catchFailing(() -> applier.apply(new Op.Move("evil/secret.txt", "stolen.txt")));

    assertThat(e.kind()).isEqualTo(Kind.UNSAFE_PATH);
    assertThat(exists("stolen.txt")).isFalse();
  }

  // ---- set-meta ------------------------------------------------------------------------------

  @Test
  void setMetaChangesModeAndMtimeButNotContent() throws Exception {
    tree.file("f", "x", 0644, T0);

    batch(new Op.SetMeta("f", new Meta(0600, T1, Meta.NO_OWNER, Meta.NO_OWNER)));

    assertThat(read("f")).isEqualTo("x");
    assertThat(node("f").mode()).isEqualTo(0600);
    assertThat(mtime("f")).isEqualTo(T1);
  }

  @Test
  void setMetaOnSymlinkDoesNotTouchItsTarget() throws Exception {
    tree.symlink("ln", outside.resolve("secret.txt"));

    batch(new Op.SetMeta("ln", new Meta(0777, T1, Meta.NO_OWNER, Meta.NO_OWNER)));

    assertThat(mtime("ln") / 1000).isEqualTo(T1 / 1000);
    // ApplyInvariants: outside/secret.txt keeps mode 0600 and mtime T0.
  }

  /**
   * An mtime java.nio cannot set as sent (before 1970 with a sub-second part, or the far end of the
   * range) gets one rule whatever the op: put, mkdir, symlink and set-meta all succeed and leave
   * the same time, rounded down to the second ({@link MetadataWriter#settableMtime}). SET_META
   * used to fail ("metadata may be partly applied") where put and mkdir silently set the epoch.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("extremeMtimes")
  void extremeMtimeIsSetByTheSameRuleByEveryOp(long mtime) throws Exception {
    Meta file = new Meta(0644, mtime, Meta.NO_OWNER, Meta.NO_OWNER);
    tree.file("existing", "x", 0644, T0).dir("existing-dir", 0755, T0);
    put("put", bytes("content"), file);
    batch(new Op.Mkdir("made", new Meta(0755, mtime, Meta.NO_OWNER, Meta.NO_OWNER)),
        new Op.Symlink("link", "put", new Meta(0777, mtime, Meta.NO_OWNER, Meta.NO_OWNER)),
        new Op.SetMeta("existing", file),
        new Op.SetMeta("existing-dir", new Meta(0755, mtime, Meta.NO_OWNER, Meta.NO_OWNER)));

    long expected = mtime("put");
    assertThat(mtime("made")).isEqualTo(expected);
    assertThat(mtime("existing")).isEqualTo(expected);
    assertThat(mtime("existing-dir")).isEqualTo(expected);
    assertThat(mtime("link") / 1000).isEqualTo(expected / 1000);
    if (mtime >= -2_000_000_000_000_000_000L) {
      // Inside every file system's range (ext4 reaches back to 1901): exactly the rounded time.
      assertThat(expected).isEqualTo(MetadataWriter.settableMtime(mtime));
    }
  }

  static Stream<Long> extremeMtimes() {
    return Stream.of(-1_500_000_000L, -1000L, -1L, Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE);
  }

  @Test
  void settableMtimeRoundsOnlyTimesBefore1970WithASubSecondPart() {
    assertThat(MetadataWriter.settableMtime(T0)).isEqualTo(T0);
    assertThat(MetadataWriter.settableMtime(Long.MAX_VALUE)).isEqualTo(Long.MAX_VALUE);
    assertThat(MetadataWriter.settableMtime(-2_000_000_000L)).isEqualTo(-2_000_000_000L);
    assertThat(MetadataWriter.settableMtime(-1_500_000_000L)).isEqualTo(-2_000_000_000L);
    assertThat(MetadataWriter.settableMtime(-1L)).isEqualTo(-1_000_000_000L);
    assertThat(MetadataWriter.settableMtime(Long.MIN_VALUE)).isEqualTo(-9_223_372_036_000_000_000L);
  }

  @Test
  void setMetaOfMissingPathFailsAsMissing() {
    ApplyException e = catchFailing(() -> applier.apply(new Op.SetMeta("nope", FILE_META)));

    assertThat(e.kind()).isEqualTo(Kind.MISSING);
  }

  // ---- hostile input -------------------------------------------------------------------------

  static Stream<Op> opsUnderEvil() {
    return Stream.of(
        new Op.Mkdir("evil/new", DIR_META),
        new Op.PutFile("evil/new.txt", 1, FILE_META),
        new Op.PutFile("evil/secret.txt", 1, FILE_META),
        new Op.Symlink("evil/new", "x", FILE_META),
        new Op.Hardlink("evil/new", "f"),
        new Op.Delete("evil/secret.txt"),
        new Op.Delete("evil/dir"),
        new Op.Move("f", "evil/new"),
        new Op.Move("evil/secret.txt", "f"),
        new Op.SetMeta("evil/secret.txt", new Meta(0777, T1, Meta.NO_OWNER, Meta.NO_OWNER)),
        new Op.SetMeta("evil/dir", new Meta(0777, T1, Meta.NO_OWNER, Meta.NO_OWNER)),
        new Op.PutFile("deep/evil/x", 1, FILE_META));
  }

  @ParameterizedTest
  @MethodSource("opsUnderEvil")
  void symlinkedParentPointingOutsideIsRefusedAndNothingOutsideChanges(Op op) {
    tree.file("f", "f").symlink("evil", outside).dir("deep").symlink("deep/evil", outside);

    ApplyException e = catchFailing(() -> applyAny(op));

    assertThat(e.kind()).isEqualTo(Kind.UNSAFE_PATH);
    assertThat(e).hasMessageContaining("is a symlink");
    // ApplyInvariants (after each test): outside/ unchanged, no temp left.
  }

  static Stream<Op> lexicallyUnsafeOps() {
    return Stream.of(
        new Op.PutFile("../outside/secret.txt", 1, FILE_META),
        new Op.PutFile("/etc/passwd", 1, FILE_META),
        new Op.Mkdir("a/../../x", DIR_META),
        new Op.Delete(".."),
        new Op.Delete(".replicator/tmp"),
        new Op.PutFile(".replicator/marker", 1, FILE_META),
        new Op.Symlink("a//b", "x", FILE_META),
        new Op.Hardlink("x", "../outside/secret.txt"),
        new Op.Hardlink("x", ".replicator/marker"),
        new Op.Move("../outside/secret.txt", "x"),
        new Op.Move("f", ".replicator/tmp/x"),
        new Op.SetMeta("./f", FILE_META));
  }

  @ParameterizedTest
  @MethodSource("lexicallyUnsafeOps")
  void lexicallyUnsafePathsAreRefused(Op op) {
    tree.file("f", "f");

    ApplyException e = catchFailing(() -> applyAny(op));

    assertThat(e.kind()).isEqualTo(Kind.UNSAFE_PATH);
  }

  @Test
  void parentThatIsAFileIsAConflict() {
    tree.file("f", "f");

    ApplyException e = catchFailing(() -> applier.apply(new Op.Mkdir("f/sub", DIR_META)));

    assertThat(e.kind()).isEqualTo(Kind.CONFLICT);
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  @Test
  void startRemovesLeftoverTempFilesWithoutFollowingLinks() throws Exception {
    applier.close();
    TreeBuilder.at(root.resolve(".replicator/tmp"))
        .file("old-1.put", "partial")
        .file("old-2.del/inner/file", "x")
        .symlink("old-2.del/out", outside)
        .symlink("old-3.link", outside.resolve("secret.txt"));

    applier = newApplier(new ApplierOptions(true, false, true));

    assertThat(listener.leftovers()).isEqualTo(3);
    assertThat(ApplyInvariants.tempEntries(root)).isEmpty();
  }

  @Test
  void opsOutsideABatchAreRejected() {
    assertThatThrownBy(() -> applier.apply(new Op.Delete("x"))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void putFileThroughApplyIsRejected() {
    applier.beginBatch(1);
    assertThatThrownBy(() -> applier.apply(new Op.PutFile("x", 0, FILE_META))).isInstanceOf(IllegalArgumentException.class);
  }

  // ---- owners and precision ------------------------------------------------------------------

  @Test
  void ownersAreAppliedWithoutFollowingLinksWhenEnabled() throws Exception {
    assumeThat(owners).as("file system can chown (real disk, as root)").isTrue();
    applier.close();
    applier = newApplier(new ApplierOptions(true, true, true));
    tree.file("target.txt", "t");
    int uid = (Integer) Files.getAttribute(root.resolve("target.txt"), "unix:uid");

    put("owned.txt", bytes("x"), new Meta(0644, T0, 1234, 2345));
    batch(new Op.Symlink("ln", "target.txt", new Meta(0777, T0, 3456, 4567)));

    assertThat(node("owned.txt").uid()).isEqualTo(1234);
    assertThat(node("owned.txt").gid()).isEqualTo(2345);
    assertThat(node("ln").uid()).isEqualTo(3456);
    assertThat(node("target.txt").uid()).isEqualTo(uid);
  }

  @Test
  void ownersAreLeftAloneWhenDisabledOrUnknown() throws Exception {
    assumeThat(owners).as("file system can chown (real disk, as root)").isTrue();
    put("mine.txt", bytes("x"), new Meta(0644, T0, 1234, 2345));

    assertThat(node("mine.txt").uid()).isNotEqualTo(1234);
  }

  @Test
  void appliedTreeMatchesTheSourceTree() throws Exception {
    Path source = base.resolve("source");
    TreeBuilder.at(source)
        .dir("wp-content", 0755, T0)
        .file("wp-content/a.php", "<?php echo 1;", 0644, T1)
        .hardlink("wp-content/b.php", "wp-content/a.php")
        .symlink("wp-content/current", "a.php")
        .mtime("wp-content/current", T0)
        .mtime("wp-content", T0);
    invariants = ApplyInvariants.watch(root, base); // the source tree is written outside on purpose
    applier.beginBatch(1);
    applier.apply(new Op.Mkdir("wp-content", DIR_META));
    FileSink sink = applier.beginPut(new Op.PutFile("wp-content/a.php", 13, new Meta(0644, T1, -1, -1)));
    sink.write(ByteBuffer.wrap(bytes("<?php echo 1;")));
    sink.commit(ContentHasher.of(bytes("<?php echo 1;")));
    applier.apply(new Op.Hardlink("wp-content/b.php", "wp-content/a.php"));
    applier.apply(new Op.Symlink("wp-content/current", "a.php", FILE_META));
    applier.endBatch(1);

    TreeSnapshot.of(source).assertSameAs(TreeSnapshot.of(root), TreeSnapshot.Compare.STRICT);
  }

  // ---- plumbing ------------------------------------------------------------------------------

  void applyAny(Op op) throws ApplyException {
    if (op instanceof Op.PutFile put) {
      FileSink sink = applier.beginPut(put);
      sink.write(ByteBuffer.wrap(new byte[(int) put.size()]));
      sink.commit(ContentHasher.of(new byte[(int) put.size()]));
    } else {
      applier.apply(op);
    }
  }

  ApplyException catchFailing(Action action) {
    try {
      return failing(action);
    } catch (ApplyException e) {
      throw new AssertionError("endBatch failed", e);
    }
  }
}
