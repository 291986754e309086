package org.replicator.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.batch.Batch;
import org.replicator.core.batch.PathHint;
import org.replicator.core.batch.PathHint.Write;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.index.Index;
import org.replicator.core.op.Op;
import org.replicator.core.scan.ScanListener;
import org.replicator.core.scan.Scanner;
import org.replicator.core.testing.TreeBuilder;
import org.replicator.core.testing.UnixJimfs;

/**
 * The planner with a source that reports close-write and pairs renames: a file is shipped when
 * its writer closed it, never while open (until the long-open limit), and a vanished path is
 * a delete or a move at once. Fake clock; Jimfs, and the real disk where inodes matter.
 */
class PlannerCloseWriteTest {
  private static final ExcludeMatcher FILTER = new ExcludeMatcher(List.of("/wp-content/cache/"));
  private static final long MS = 1_000_000L;
  private static final long SNAPSHOT = 10_000 * MS;

  private final FileSystem fs = UnixJimfs.newFileSystem();
  private final FakeTicker ticker = new FakeTicker();
  private final Index index = new Index();
  private final List<String> snapshots = new ArrayList<>();
  private Path root = fs.getPath("/www");
  private TreeBuilder tree = TreeBuilder.at(root);
  private Planner planner;

  @AfterEach
  void closeFs() throws IOException {
    fs.close();
  }

  private void indexed() throws IOException {
    Scanner scanner = new Scanner(root, FILTER, false, ScanListener.NONE);
    scanner.scan("", null).entries().forEach(index::put);
    PlannerSettings settings = new PlannerSettings(100, 1 << 20, 2 * MS, 20 * MS, true).withCloseWrite(true, SNAPSHOT);
    planner = new Planner(root, index, scanner, FILTER, settings, new PlanListener() {
      @Override
      public void snapshotWhileOpen(String path, long openForNanos) {
        snapshots.add(path + "@" + openForNanos / MS);
      }
    }, ticker);
    ticker.advanceMillis(1000);
  }

  /** One hint per path, as the coalescer builds it from the events named. */
  private PlanResult plan(TreeMap<String, PathHint> paths) throws IOException {
    return planner.plan(new Batch(paths, new TreeMap<>(), List.of(), paths.size()));
  }

  private TreeMap<String, PathHint> hint(String path, boolean mustRead, Write write, long openSince) {
    TreeMap<String, PathHint> m = new TreeMap<>();
    long now = ticker.getAsLong();
    m.put(path, new PathHint(mustRead, now, write, now, write.isOpen() ? openSince : Long.MIN_VALUE));
    return m;
  }

  /** The hint a DELETE, or the old name of a MOVED, leaves. */
  private TreeMap<String, PathHint> goneHint(String path) {
    TreeMap<String, PathHint> m = new TreeMap<>();
    m.put(path, PathHint.gone(ticker.getAsLong()));
    return m;
  }

  private static List<Op> mainOps(PlanResult r) {
    return r.ops().stream().map(PlannedOp::op).filter(o -> !(o instanceof Op.SetMeta)).toList();
  }

  @Test
  void aFileOpenForWritingIsParkedUntilTheLongOpenLimitNotShippedNorSpun() throws IOException {
    indexed();
    tree.file("upload.zip", "partial");
    long openSince = ticker.getAsLong() - 300 * MS; // a writer pausing longer than any quiet time

    PlanResult r = plan(hint("upload.zip", true, Write.WRITING, openSince));

    assertThat(r.ops()).isEmpty();
    assertThat(r.deferred()).as("not retried after a quiet gap: it waits for its close").isEmpty();
    assertThat(r.parked()).containsOnlyKeys("upload.zip");
    assertThat(r.parked().get("upload.zip").wakeAtNanos()).isEqualTo(openSince + SNAPSHOT);
    assertThat(index.get("upload.zip")).isNull();
  }

  @Test
  void aCreatedFileWithoutCloseIsParkedToo() throws IOException {
    indexed();
    tree.file("new.php", ""); // open(O_CREAT), nothing written yet: empty is not its content

    PlanResult r = plan(hint("new.php", true, Write.CREATED, ticker.getAsLong()));

    assertThat(r.ops()).isEmpty();
    assertThat(r.parked()).containsOnlyKeys("new.php");
  }

  @Test
  void aClosedFileIsShippedAtOnceWithoutAnyQuietTime() throws IOException {
    indexed();
    tree.file("a.php", "<?php echo 1;");

    PlanResult r = plan(hint("a.php", true, Write.CLOSED, 0)); // its last event is now: 0 ns of quiet

    assertThat(mainOps(r)).singleElement().isInstanceOfSatisfying(Op.PutFile.class, p -> assertThat(p.path()).isEqualTo("a.php"));
    assertThat(r.deferred()).isEmpty();
    assertThat(r.parked()).isEmpty();
  }

  @Test
  void aFileOpenPastTheLimitIsShippedAsASnapshotAndReported() throws IOException {
    indexed();
    tree.file("debug.log", "line 1\n");

    PlanResult r = plan(hint("debug.log", true, Write.WRITING, ticker.getAsLong() - SNAPSHOT - 5 * MS));

    assertThat(mainOps(r)).singleElement().isInstanceOf(Op.PutFile.class);
    assertThat(snapshots).containsExactly("debug.log@" + (SNAPSHOT / MS + 5));
  }

  @Test
  void aHardLinkGetsACreateAndNoCloseAndIsStillLinkedAtOnce(@TempDir Path tmp) throws IOException {
    root = tmp.resolve("www");
    tree = TreeBuilder.at(root);
    tree.file("a.jpg", "img");
    indexed();
    tree.hardlink("b.jpg", "a.jpg");

    PlanResult r = plan(hint("b.jpg", true, Write.CREATED, ticker.getAsLong()));

    assertThat(mainOps(r)).containsExactly(new Op.Hardlink("b.jpg", "a.jpg"));
    assertThat(r.parked()).isEmpty();
  }

  @Test
  void aVanishedPathIsDeletedAtOnceWithoutWaitingForAMoveWindow() throws IOException {
    tree.file("a.php", "x");
    indexed();
    Files.delete(root.resolve("a.php"));

    PlanResult r = plan(goneHint("a.php")); // its DELETE arrived 0 ns ago

    assertThat(mainOps(r)).containsExactly(new Op.Delete("a.php"));
    assertThat(r.deferred()).isEmpty();
  }

  @Test
  void aDirectoryFoundGoneBeforeAnyEventSaidSoWaitsForTheRenameThatTookIt(@TempDir Path tmp) throws IOException {
    root = tmp.resolve("www");
    tree = TreeBuilder.at(root);
    tree.file("stage/a.php", "a").file("stage/b.php", "b");
    indexed();
    // A batch closed with a hint for stage (its child was written), then stage was renamed
    // before the planner looked: the MOVED is not in this batch.
    Files.move(root.resolve("stage"), root.resolve("plugin"));

    PlanResult first = plan(hint("stage", false, Write.UNKNOWN, 0));
    assertThat(first.ops()).as("not deleted: its rename is on its way").isEmpty();
    assertThat(first.deferred()).containsOnlyKeys("stage");

    TreeMap<String, PathHint> moved = hint("plugin", false, Write.CLOSED, 0);
    moved.putAll(goneHint("stage"));
    assertThat(mainOps(plan(moved))).containsExactly(new Op.Move("stage", "plugin"));
  }

  @Test
  void aPathFoundGoneWithoutAnyEventIsDeletedAfterHalfASecond() throws IOException {
    tree.file("a.php", "x");
    indexed();
    Files.delete(root.resolve("a.php"));
    TreeMap<String, PathHint> h = hint("a.php", false, Write.UNKNOWN, 0);
    assertThat(plan(h).ops()).isEmpty();
    ticker.advanceMillis(500);

    assertThat(mainOps(plan(h))).containsExactly(new Op.Delete("a.php"));
  }

  @Test
  void aRenamedDirectoryIsOneMoveAtOnceOnDisk(@TempDir Path tmp) throws IOException {
    root = tmp.resolve("www");
    tree = TreeBuilder.at(root);
    for (int i = 0; i < 200; i++) {
      tree.file("old/f" + i + ".php", "f" + i);
    }
    indexed();
    Files.move(root.resolve("old"), root.resolve("new"));

    // Both names of the rename, as the coalescer files one MOVED event: 0 ns old.
    TreeMap<String, PathHint> h = hint("new", false, Write.CLOSED, 0);
    h.putAll(goneHint("old"));
    PlanResult r = plan(h);

    assertThat(mainOps(r)).containsExactly(new Op.Move("old", "new"));
    assertThat(index.subtree("new")).hasSize(201);
  }

  @Test
  void aDirectoryRenamedOutOfTheDocrootIsDeletedAtOnceWithoutListingItsParent() throws IOException {
    tree.file("gone/a", "1").file("other/b", "2");
    indexed();
    Files.move(root.resolve("gone"), fs.getPath("/elsewhere"));

    PlanResult r = plan(goneHint("gone"));

    assertThat(mainOps(r)).containsExactly(new Op.Delete("gone"));
  }

  @Test
  void aFileFoundOpenByAScanIsAskedAboutAgainAndShippedOnceClosedEvenWithoutAnEvent() throws IOException {
    indexed();
    tree.file("d/img.jpg", "half");
    java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
    planner.useWriterCheck(path -> path.equals("d/img.jpg") ? open.get() : Boolean.FALSE);

    PlanResult first = planner.plan(new Batch(new TreeMap<>(), new TreeMap<>(java.util.Map.of("", "startup")), List.of(), 1));
    assertThat(mainOps(first)).noneMatch(o -> o.path().equals("d/img.jpg"));
    PlanResult.Parked parked = first.parked().get("d/img.jpg");
    assertThat(parked.hint().write()).isEqualTo(Write.FOUND_OPEN);
    assertThat(parked.wakeAtNanos()).isEqualTo(ticker.getAsLong() + Planner.FOUND_OPEN_RECHECK_NANOS);

    // Closed while no watch could report it: the next look ships it.
    tree.file("d/img.jpg", "whole");
    open.set(false);
    ticker.advanceMillis(500);
    TreeMap<String, PathHint> woken = new TreeMap<>();
    woken.put("d/img.jpg", parked.hint());
    assertThat(mainOps(plan(woken))).singleElement().isInstanceOfSatisfying(Op.PutFile.class,
        p -> assertThat(p.path()).isEqualTo("d/img.jpg"));
  }
}
