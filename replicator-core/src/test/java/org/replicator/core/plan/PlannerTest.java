package org.replicator.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.batch.Batch;
import org.replicator.core.batch.PathHint;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.index.Index;
import org.replicator.core.op.Op;
import org.replicator.core.scan.ScanListener;
import org.replicator.core.scan.Scanner;
import org.replicator.core.testing.TreeBuilder;
import org.replicator.core.testing.UnixJimfs;

/** Batch → ops, on Jimfs; the cases where the OS matters (inodes, rename, hard links) also on disk. */
class PlannerTest {
  private static final long T0 = 1_700_000_000_000_000_000L;
  private static final ExcludeMatcher FILTER = new ExcludeMatcher(List.of("/wp-content/cache/"));

  private final FileSystem fs = UnixJimfs.newFileSystem();
  private final FakeTicker ticker = new FakeTicker();
  private final Index index = new Index();
  private Path root = fs.getPath("/www");
  private TreeBuilder tree = TreeBuilder.at(root);
  private Planner planner;
  private final PlannerSettings settings = new PlannerSettings(100, 1 << 20, 2_000_000L, 20_000_000L, true);

  @AfterEach
  void closeFs() throws IOException {
    fs.close();
  }

  private void onDisk(Path dir) {
    root = dir.resolve("www");
    tree = TreeBuilder.at(root);
  }

  /** Indexes the tree as it is now; the planner compares later changes with it. */
  private void indexed() throws IOException {
    Scanner scanner = new Scanner(root, FILTER, false, ScanListener.NONE);
    scanner.scan("", null).entries().forEach(index::put);
    planner = new Planner(root, index, scanner, FILTER, settings, PlanListener.NONE, ticker);
    ticker.advanceMillis(1000);
  }

  /** Hints whose last event is long past (at rest, outside the move window) unless {@code ageMillis} says otherwise. */
  private PlanResult plan(long ageMillis, String... hinted) throws IOException {
    TreeMap<String, PathHint> paths = new TreeMap<>();
    for (String h : hinted) {
      boolean mustRead = !h.startsWith("-");
      paths.put(mustRead ? h : h.substring(1), new PathHint(mustRead, ticker.getAsLong() - ageMillis * 1_000_000L));
    }
    return planner.plan(new Batch(paths, new TreeMap<>(), List.of(), paths.size()));
  }

  private PlanResult plan(String... hinted) throws IOException {
    return plan(1000, hinted);
  }

  private PlanResult rescan(String subtree) throws IOException {
    TreeMap<String, String> rescans = new TreeMap<>();
    rescans.put(subtree, "test");
    return planner.plan(new Batch(new TreeMap<>(), rescans, List.of(), 1));
  }

  private static List<Op> ops(PlanResult r) {
    return r.ops().stream().map(PlannedOp::op).toList();
  }

  /** Ops but the SetMeta of parent directories that every change of entries carries. */
  private static List<Op> mainOps(PlanResult r, String... parents) {
    List<String> dirs = List.of(parents);
    return ops(r).stream().filter(o -> !(o instanceof Op.SetMeta s && (dirs.contains(s.path()) || s.path().isEmpty()))).toList();
  }

  @Test
  void newFileIsPutInlineWithItsBytesAndHash() throws IOException {
    tree.dir("d");
    indexed();
    byte[] bytes = "<?php echo 1;".getBytes(StandardCharsets.UTF_8);
    tree.file("d/a.php", bytes);

    PlanResult r = plan("d/a.php", "-d");

    assertThat(mainOps(r, "d")).singleElement().isInstanceOf(Op.PutFile.class);
    PlannedOp put = r.ops().stream().filter(o -> o.op() instanceof Op.PutFile).findFirst().orElseThrow();
    assertThat(put.content()).isInstanceOf(Content.Inline.class);
    assertThat(((Content.Inline) put.content()).bytes()).isEqualTo(bytes);
    assertThat(put.content().hash()).isEqualTo(ContentHasher.of(bytes));
    assertThat(index.get("d/a.php").hash()).isEqualTo(ContentHasher.of(bytes));
  }

  @Test
  void changedLargeFileIsAPatchAgainstTheVersionTheSlavesHoldAndSmallOrNewOnesAreNot() throws IOException {
    indexed();
    org.replicator.core.delta.SignatureStore store =
        new org.replicator.core.delta.SignatureStore(fs.getPath("/state/signatures"), 1 << 20);
    planner.useDeltas(new Deltas(store, 1000));
    byte[] v1 = new byte[5000];
    new java.util.Random(1).nextBytes(v1);
    tree.file("log.txt", v1);
    tree.file("small.txt", new byte[999]);
    PlanResult first = plan("log.txt", "small.txt");
    Op.PutFile created = (Op.PutFile) ops(first).stream().filter(o -> o.path().equals("log.txt")).findFirst().orElseThrow();
    assertThat(created.isPatch()).as("a new file has no basis").isFalse();
    assertThat(store.contains(ContentHasher.of(v1))).as("its version was signed while read").isTrue();

    byte[] v2 = java.util.Arrays.copyOf(v1, 6000);
    tree.file("log.txt", v2);
    tree.file("small.txt", new byte[998]);
    ticker.advanceMillis(1000);
    PlanResult second = plan("log.txt", "small.txt");
    Op.PutFile patched = (Op.PutFile) ops(second).stream().filter(o -> o.path().equals("log.txt")).findFirst().orElseThrow();
    assertThat(patched.basis()).isEqualTo(new Op.Basis(ContentHasher.of(v1), 5000));
    Op.PutFile small = (Op.PutFile) ops(second).stream().filter(o -> o.path().equals("small.txt")).findFirst().orElseThrow();
    assertThat(small.isPatch()).isFalse();
    assertThat(store.contains(ContentHasher.of(v2))).isTrue();
  }

  @Test
  void atomicSaveWhoseTempFileWasSentEarlyIsAPatchOfTheOldVersion() throws IOException {
    indexed();
    org.replicator.core.delta.SignatureStore store =
        new org.replicator.core.delta.SignatureStore(fs.getPath("/state/signatures"), 1 << 20);
    planner.useDeltas(new Deltas(store, 1000));
    byte[] v1 = new byte[50_000];
    new java.util.Random(2).nextBytes(v1);
    tree.file("backup.sql", v1);
    plan("backup.sql");
    // The editor creates its temp file; the planner sees it while still empty and sends it.
    tree.file("backup.sql.tmp", new byte[0]);
    ticker.advanceMillis(1000);
    plan("backup.sql.tmp");
    // Then it writes the new version (one byte inserted) and renames it over the old one.
    byte[] v2 = new byte[v1.length + 1];
    System.arraycopy(v1, 0, v2, 0, 5000);
    System.arraycopy(v1, 5000, v2, 5001, v1.length - 5000);
    tree.file("backup.sql.tmp", v2);
    Files.move(root.resolve("backup.sql.tmp"), root.resolve("backup.sql"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    ticker.advanceMillis(1000);

    List<Op> ops = mainOps(plan("backup.sql.tmp", "backup.sql"));

    assertThat(ops).hasSize(2);
    assertThat(ops.get(0)).isEqualTo(new Op.Delete("backup.sql.tmp"));
    Op.PutFile put = (Op.PutFile) ops.get(1);
    assertThat(put.path()).isEqualTo("backup.sql");
    assertThat(put.basis()).as("a patch against what the slaves hold").isEqualTo(new Op.Basis(ContentHasher.of(v1), v1.length));
    assertThat(index.get("backup.sql.tmp")).isNull();
  }

  @Test
  void fileLargerThanTheInlineLimitIsStreamedFromDisk() throws IOException {
    indexed();
    byte[] bytes = new byte[101];
    bytes[7] = 1;
    tree.file("big.bin", bytes);

    PlannedOp put = plan("big.bin").ops().get(0);

    assertThat(put.content()).isEqualTo(new Content.OnDisk("big.bin", 101, ContentHasher.of(bytes)));
  }

  @Test
  void sameSizeSameMtimeEditWithAModifyHintIsPut() throws IOException {
    tree.file("a.php", "aaaa", 0644, T0);
    indexed();
    tree.file("a.php", "bbbb", 0644, T0); // rsync's quick check would call this unchanged

    assertThat(ops(plan("a.php"))).singleElement().isInstanceOf(Op.PutFile.class);
  }

  @Test
  void statIdenticalPathWithoutMustReadGivesNoOp() throws IOException {
    tree.file("a.php", "aaaa", 0644, T0);
    indexed();

    assertThat(plan("-a.php").ops()).isEmpty();
    assertThat(plan("a.php").ops()).as("read again: same content").isEmpty();
  }

  @Test
  void chmodIsSetMetaOnly() throws IOException {
    tree.file("a.php", "aaaa", 0644, T0);
    indexed();
    tree.mode("a.php", 0600);

    assertThat(ops(plan("a.php"))).containsExactly(new Op.SetMeta("a.php", index.get("a.php").meta()));
    assertThat(index.get("a.php").mode()).isEqualTo(0600);
  }

  @Test
  void renamedFileIsOneMove() throws IOException {
    tree.file("a.php", "aaaa", 0644, T0);
    indexed();
    Files.move(root.resolve("a.php"), root.resolve("b.php"));

    assertThat(mainOps(plan("-a.php", "b.php"))).containsExactly(new Op.Move("a.php", "b.php"));
  }

  @Test
  void renamedDirectoryOfAThousandFilesIsOneMoveOnDisk(@TempDir Path tmp) throws IOException {
    onDisk(tmp);
    renamedDirectoryOfAThousandFilesIsOneMove();
  }

  @Test
  void renamedDirectoryOfAThousandFilesIsOneMove() throws IOException {
    for (int i = 0; i < 1000; i++) {
      tree.file("old/f" + i + ".jpg", "img" + i);
    }
    indexed();
    Files.move(root.resolve("old"), root.resolve("new"));

    PlanResult r = plan("-old", "new");

    assertThat(mainOps(r)).containsExactly(new Op.Move("old", "new"));
    assertThat(index.subtree("new")).hasSize(1001);
    assertThat(index.subtree("old")).isEmpty();
  }

  @Test
  void renamedDirectoryKnownOnlyByItsChildrensHintsIsStillOneMove() throws IOException {
    tree.file("old/a", "1").file("old/b", "2");
    indexed();
    Files.move(root.resolve("old"), root.resolve("new"));

    assertThat(mainOps(plan("new/a", "new/b"))).containsExactly(new Op.Move("old", "new"));
  }

  @Test
  void deletedPathWithAFreshHintIsDeferredAndWithAnOldOneDeleted() throws IOException {
    tree.file("a.php", "x");
    indexed();
    Files.delete(root.resolve("a.php"));

    PlanResult fresh = plan(5, "-a.php");
    assertThat(fresh.ops()).isEmpty();
    assertThat(fresh.deferred()).containsOnlyKeys("a.php");

    assertThat(ops(plan("-a.php"))).containsExactly(new Op.Delete("a.php"));
  }

  @Test
  void removedTreeIsOneDeleteAndCountsEveryEntry() throws IOException {
    tree.file("d/a", "1").file("d/e/b", "2").file("keep", "k");
    indexed();
    World.deleteTree(root.resolve("d"));

    PlanResult r = plan("-d", "-d/a", "-d/e", "-d/e/b");

    assertThat(ops(r)).containsExactly(new Op.Delete("d"));
    assertThat(r.deletedEntries()).isEqualTo(4);
    assertThat(r.entriesBefore()).isEqualTo(5);
  }

  @Test
  void fileReplacedByADirectoryIsDeleteThenMkdir() throws IOException {
    tree.file("x", "file");
    indexed();
    Files.delete(root.resolve("x"));
    tree.dir("x");

    List<Op> ops = ops(plan("x"));

    assertThat(ops).hasSize(2);
    assertThat(ops.get(0)).isEqualTo(new Op.Delete("x"));
    assertThat(ops.get(1)).isInstanceOf(Op.Mkdir.class);
  }

  @Test
  void symlinksTravelWithTheirTargetVerbatim() throws IOException {
    tree.symlink("rel", "a/b");
    indexed();
    tree.symlink("abs", "/etc/passwd").symlink("up", "../../outside");
    Files.delete(root.resolve("rel"));
    tree.symlink("rel", "c");

    List<String> targets = ops(plan("abs", "up", "rel")).stream().filter(o -> o instanceof Op.Symlink)
        .map(o -> o.path() + "->" + ((Op.Symlink) o).target()).toList();

    assertThat(targets).containsExactly("abs->/etc/passwd", "rel->c", "up->../../outside");
  }

  @Test
  void newHardLinkIsAHardlinkToTheExistingName() throws IOException {
    tree.file("a", "shared");
    indexed();
    tree.hardlink("b", "a");

    assertThat(mainOps(plan("b"))).containsExactly(new Op.Hardlink("b", "a"));
  }

  @Test
  void contentChangeOfAHardLinkedFileIsPutThenHardlinkOfTheOtherName() throws IOException {
    tree.file("a", "v1").hardlink("b", "a");
    indexed();
    tree.file("a", "v2-longer");

    List<Op> ops = ops(plan("a"));

    assertThat(ops).hasSize(2);
    assertThat(ops.get(0)).isInstanceOf(Op.PutFile.class).extracting(Op::path).isEqualTo("a");
    assertThat(ops.get(1)).isEqualTo(new Op.Hardlink("b", "a"));
  }

  @Test
  void hardLinkOpsOnDisk(@TempDir Path tmp) throws IOException {
    onDisk(tmp);
    contentChangeOfAHardLinkedFileIsPutThenHardlinkOfTheOtherName();
  }

  @Test
  void fileStillBeingWrittenIsDeferredNotShipped() throws IOException {
    indexed();
    tree.file("upload.zip", "partial");

    PlanResult r = plan(1, "upload.zip");

    assertThat(r.ops()).isEmpty();
    assertThat(r.deferred()).containsOnlyKeys("upload.zip");
    assertThat(index.get("upload.zip")).isNull();
  }

  @Test
  void fileWhoseStatChangesDuringTheReadIsNotAtRest() throws IOException {
    tree.file("a", "12345");
    Scanner scanner = new Scanner(root, FILTER, false, ScanListener.NONE);
    var before = scanner.stat("a");
    tree.file("a", "1234567"); // between the planner's stat and its read

    assertThat(new AtRestReader(root, scanner).read("a", before, true)).isNull();
    assertThat(new AtRestReader(root, scanner).read("a", before, false)).isNull();
    assertThat(new AtRestReader(root, scanner).read("a", scanner.stat("a"), true).bytes()).asString().isEqualTo("1234567");
  }

  @Test
  void largeFileWrittenDuringTheReadIsGivenUpAtTheNextRecheckNotAtItsEnd() throws IOException {
    byte[] content = new byte[1 << 20];
    new java.util.Random(16).nextBytes(content);
    Files.write(root.resolve("big"), content);
    Scanner scanner = new Scanner(root, FILTER, false, ScanListener.NONE);
    var before = scanner.stat("big");
    AtRestReader reader = new AtRestReader(root, scanner, 64 * 1024);

    var atRest = reader.read("big", before, false);
    assertThat(atRest.entry().hash()).isEqualTo(ContentHasher.of(content));
    assertThat(reader.lastReadBytes()).isEqualTo(content.length);

    Files.write(root.resolve("big"), new byte[] {1}, java.nio.file.StandardOpenOption.APPEND); // still being written
    assertThat(reader.read("big", before, false)).isNull();
    assertThat(reader.lastReadBytes()).as("stopped at the first stat after 64 KiB, not after 1 MiB")
        .isLessThanOrEqualTo(2 * ContentHasher.BLOCK);
  }

  @Test
  void excludedPathsProduceNoOps() throws IOException {
    tree.dir("wp-content");
    indexed();
    tree.file("wp-content/cache/page.html", "x");

    assertThat(mainOps(plan("wp-content/cache", "wp-content/cache/page.html"), "wp-content")).isEmpty();
    assertThat(mainOps(rescan(""), "wp-content")).as("the parent's new mtime only").isEmpty();
  }

  @Test
  void rescanOfTheRootFindsCreationsAndDeletionsMadeWithoutHints() throws IOException {
    tree.file("gone", "1").file("stays", "2");
    indexed();
    Files.delete(root.resolve("gone"));
    tree.file("new/x", "3");

    List<Op> ops = ops(rescan(""));

    assertThat(ops).extracting(o -> o.getClass().getSimpleName() + " " + o.path())
        .containsExactly("Mkdir new", "PutFile new/x", "Delete gone", "SetMeta new");
  }

  @Test
  void deletesAreNotPlannedWhenThePolicyForbidsThemButTheIndexForgets() throws IOException {
    tree.file("a", "1");
    Scanner scanner = new Scanner(root, FILTER, false, ScanListener.NONE);
    scanner.scan("", null).entries().forEach(index::put);
    planner = new Planner(root, index, scanner, FILTER, new PlannerSettings(100, 1 << 20, 2_000_000L, 20_000_000L, false), PlanListener.NONE, ticker);
    ticker.advanceMillis(1000);
    Files.delete(root.resolve("a"));

    PlanResult r = plan("-a");

    assertThat(r.ops()).isEmpty();
    assertThat(r.deletedEntries()).isEqualTo(1);
  }

  /** Shares the tree helpers of the round-trip test. */
  private static final class World {
    static void deleteTree(Path dir) throws IOException {
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
