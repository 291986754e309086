package org.replicator.core.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.core.batch.MaintenanceBarrier.Edge;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.watch.ChangeEvent;
import org.replicator.core.watch.ChangeEvent.Kind;

/** WordPress's {@code .maintenance} cuts the stream of batches (see {@link MaintenanceBarrier}). */
class CoalescerMaintenanceTest {
  private static final long MS = 1_000_000L;
  private long now = 1_000_000_000L;
  private final Coalescer c = new Coalescer(new CoalescerSettings(2 * MS, 50 * MS, 1000, 200_000),
      new ExcludeMatcher(List.of("/wp-content/cache/")), () -> now, CoalescerListener.NONE);

  private void event(Kind kind, String path) {
    c.onEvent(new ChangeEvent(kind, path));
  }

  /** Every batch ready now, each planned at once. */
  private List<Batch> drainAll() {
    now += 100 * MS;
    List<Batch> out = new ArrayList<>();
    Batch b;
    while ((b = c.poll()) != null) {
      out.add(b);
      c.planned();
    }
    return out;
  }

  @Test
  void theUpgradersSequenceIsCutIntoBeforeOnDuringOffAfter() {
    event(Kind.CLOSE_WRITE, "wp-config.php");
    event(Kind.CREATE, ".maintenance");
    event(Kind.CLOSE_WRITE, ".maintenance");
    event(Kind.DELETE, "wp-content/plugins/hello/hello.php");
    event(Kind.CLOSE_WRITE, "wp-content/plugins/hello/hello.php");
    event(Kind.CLOSE_WRITE, "wp-includes/version.php");
    event(Kind.DELETE, ".maintenance");
    event(Kind.CLOSE_WRITE, "index.php");

    List<Batch> batches = drainAll();

    assertThat(batches).extracting(Batch::maintenance)
        .containsExactly(Edge.NONE, Edge.ON, Edge.ON, Edge.NONE, Edge.OFF, Edge.NONE);
    assertThat(batches.get(0).paths()).containsOnlyKeys("wp-config.php");
    assertThat(batches.get(1).paths()).containsOnlyKeys(".maintenance");
    assertThat(batches.get(1).paths().get(".maintenance").write()).as("read as complete, never parked").isEqualTo(PathHint.Write.CLOSED);
    assertThat(batches.get(3).paths()).containsKeys("wp-content/plugins/hello/hello.php", "wp-includes/version.php")
        .doesNotContainKey(".maintenance");
    assertThat(batches.get(4).paths()).containsOnlyKeys(".maintenance");
    assertThat(batches.get(4).paths().get(".maintenance").gone()).isTrue();
    assertThat(batches.get(5).paths()).containsOnlyKeys("index.php");
  }

  @Test
  void aCreateAndDeleteInOneWindowAreNeverCoalescedAway() {
    event(Kind.CREATE, ".maintenance");
    event(Kind.DELETE, ".maintenance");

    assertThat(drainAll()).extracting(Batch::maintenance).containsExactly(Edge.ON, Edge.OFF);
  }

  @Test
  void onlyTheTopLevelFileIsABarrier() {
    event(Kind.CLOSE_WRITE, "wp-content/.maintenance");
    event(Kind.CLOSE_WRITE, "a.php");

    List<Batch> batches = drainAll();
    assertThat(batches).hasSize(1);
    assertThat(batches.get(0).maintenance()).isEqualTo(Edge.NONE);
  }

  @Test
  void aRenameAwayIsAnOffThatCarriesTheNewName() {
    event(Kind.CREATE, ".maintenance");
    c.onEvent(new ChangeEvent(Kind.MOVED, "old/.maintenance.bak", ".maintenance"));

    List<Batch> batches = drainAll();
    assertThat(batches).extracting(Batch::maintenance).containsExactly(Edge.ON, Edge.OFF);
    assertThat(batches.get(1).paths()).containsKeys(".maintenance", "old/.maintenance.bak");
  }

  @Test
  void aPathDeferredFromABatchBeforeTheCutStaysAheadOfTheChangesAfterIt() {
    event(Kind.CLOSE_WRITE, "a.php");
    event(Kind.CREATE, ".maintenance");
    event(Kind.CLOSE_WRITE, "b.php");
    now += 100 * MS;
    Batch before = c.poll();
    assertThat(before.paths()).containsOnlyKeys("a.php");
    c.requeue("a.php", before.paths().get("a.php")); // not at rest yet
    c.planned();

    List<Batch> rest = drainAll();
    assertThat(rest).extracting(b -> String.join(",", b.paths().keySet()))
        .containsExactly("a.php", ".maintenance", "b.php");
  }

  @Test
  void theMaintenanceFileItselfDeferredStaysAheadOfTheUpdate() {
    event(Kind.CREATE, ".maintenance");
    now += 100 * MS;
    Batch on = c.poll();
    event(Kind.CLOSE_WRITE, "wp-includes/version.php");
    c.requeue(".maintenance", on.paths().get(".maintenance")); // read while it changed
    c.planned();

    List<Batch> rest = drainAll();
    assertThat(rest).extracting(b -> String.join(",", b.paths().keySet()))
        .containsExactly(".maintenance", "wp-includes/version.php");
  }

  @Test
  void aChangeWaitingBehindTheCutCountsAsLagFromItsEvent() {
    long first = now;
    event(Kind.CLOSE_WRITE, "a.php");
    now += MS;
    event(Kind.CREATE, ".maintenance");
    assertThat(c.unplannedSinceNanos()).isEqualTo(first);
  }

  @Test
  void pastTheMemoryBoundSealedBatchesCollapseIntoOneRescanKeepingTheirBarriers() {
    Coalescer small = new Coalescer(new CoalescerSettings(2 * MS, 50 * MS, 1000, 3), new ExcludeMatcher(List.of()), () -> now, CoalescerListener.NONE);
    Object barrier = new Object();
    small.onEvent(new ChangeEvent(Kind.CLOSE_WRITE, "a"));
    small.addBarrier(barrier);
    small.onEvent(new ChangeEvent(Kind.CREATE, ".maintenance"));
    small.onEvent(new ChangeEvent(Kind.CLOSE_WRITE, "b"));
    small.onEvent(new ChangeEvent(Kind.CLOSE_WRITE, "c"));
    now += 100 * MS;
    Batch b = small.poll();
    assertThat(b.rescans()).containsKey("");
    assertThat(b.barriers()).containsExactly(barrier);
    assertThat(small.poll()).isNull();
  }
}
