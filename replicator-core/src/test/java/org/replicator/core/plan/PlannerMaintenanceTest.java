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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.replicator.core.batch.Batch;
import org.replicator.core.batch.MaintenanceBarrier.Edge;
import org.replicator.core.batch.PathHint;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.index.Index;
import org.replicator.core.op.Op;
import org.replicator.core.scan.ScanListener;
import org.replicator.core.scan.Scanner;
import org.replicator.core.testing.TreeBuilder;
import org.replicator.core.testing.UnixJimfs;

/** Neither edge of maintenance mode is planned away (see {@link MaintenanceEdges}). */
class PlannerMaintenanceTest {
  private static final ExcludeMatcher FILTER = new ExcludeMatcher(List.of());
  private final FileSystem fs = UnixJimfs.newFileSystem();
  private final FakeTicker ticker = new FakeTicker();
  private final Index index = new Index();
  private final Path root = fs.getPath("/www");
  private Planner planner;

  @BeforeEach
  void indexed() throws IOException {
    TreeBuilder.at(root).file("index.php", "<?php");
    Scanner scanner = new Scanner(root, FILTER, false, ScanListener.NONE);
    scanner.scan("", null).entries().forEach(index::put);
    planner = new Planner(root, index, scanner, FILTER, new PlannerSettings(100, 1 << 20, 2_000_000L, 20_000_000L, true).withCloseWrite(true, PlannerSettings.DEFAULT_OPEN_SNAPSHOT_NANOS),
        PlanListener.NONE, ticker);
    planner.useWallSeconds(() -> 1_765_000_000L);
    ticker.advanceMillis(1000);
  }

  @AfterEach
  void closeFs() throws IOException {
    fs.close();
  }

  private PlanResult plan(Edge edge) throws IOException {
    TreeMap<String, PathHint> paths = new TreeMap<>();
    long t = ticker.getAsLong();
    paths.put(".maintenance", edge == Edge.ON ? PathHint.of(true, t, PathHint.Write.CLOSED) : PathHint.gone(t));
    return planner.plan(new Batch(paths, new TreeMap<>(), List.of(), 1, edge));
  }

  private static List<Op> ops(PlanResult r) {
    return r.ops().stream().map(PlannedOp::op).toList();
  }

  @Test
  void aPresentMaintenanceFileTravelsAsItIs() throws IOException {
    Files.writeString(root.resolve(".maintenance"), "<?php $upgrading = 42; ?>");

    PlanResult on = plan(Edge.ON);

    assertThat(ops(on)).hasSize(1).first().isInstanceOf(Op.PutFile.class);
    assertThat(new String(((Content.Inline) on.ops().get(0).content()).bytes(), StandardCharsets.US_ASCII))
        .isEqualTo("<?php $upgrading = 42; ?>");
    Files.delete(root.resolve(".maintenance"));
    assertThat(ops(plan(Edge.OFF))).containsExactly(new Op.Delete(".maintenance"));
  }

  @Test
  void anOnWhoseFileIsAlreadyGoneStillSendsOneWithWordpressContent() throws IOException {
    PlanResult on = plan(Edge.ON);

    assertThat(ops(on)).hasSize(1);
    Op.PutFile put = (Op.PutFile) on.ops().get(0).op();
    assertThat(put.path()).isEqualTo(".maintenance");
    assertThat(new String(((Content.Inline) on.ops().get(0).content()).bytes(), StandardCharsets.US_ASCII))
        .isEqualTo("<?php $upgrading = 1765000000; ?>");
    assertThat(ops(plan(Edge.OFF))).as("the OFF removes the synthesized one").containsExactly(new Op.Delete(".maintenance"));
  }

  @Test
  void aSecondOnPlannedAfterTheFileWentWaitsForItsDeleteEventInsteadOfSendingAnything() throws IOException {
    Files.writeString(root.resolve(".maintenance"), "<?php $upgrading = 42; ?>");
    plan(Edge.ON);
    Files.delete(root.resolve(".maintenance")); // its second ON (the close) is planned after the delete

    PlanResult again = plan(Edge.ON);
    // The slaves hold it already; the DELETE on its way makes the OFF that removes it.
    assertThat(ops(again)).isEmpty();
    assertThat(again.deferred()).containsKey(".maintenance");
  }

  @Test
  void anOnWhoseFileCameBackIsAnOrdinaryPut() throws IOException {
    Files.writeString(root.resolve(".maintenance"), "<?php $upgrading = 42; ?>");
    plan(Edge.ON);
    // Removed then written again before the OFF was planned: the file is there, so is the mode.
    assertThat(ops(plan(Edge.OFF))).isEmpty();
  }

  @Test
  void anOffIsSentEvenWhenDeletesAreNotReplicated() throws IOException {
    Scanner scanner = new Scanner(root, FILTER, false, ScanListener.NONE);
    planner = new Planner(root, index, scanner, FILTER, new PlannerSettings(100, 1 << 20, 2_000_000L, 20_000_000L, false).withCloseWrite(true, PlannerSettings.DEFAULT_OPEN_SNAPSHOT_NANOS),
        PlanListener.NONE, ticker);
    Files.writeString(root.resolve(".maintenance"), "x");
    plan(Edge.ON);
    Files.delete(root.resolve(".maintenance"));

    assertThat(ops(plan(Edge.OFF))).containsExactly(new Op.Delete(".maintenance"));
  }
}
