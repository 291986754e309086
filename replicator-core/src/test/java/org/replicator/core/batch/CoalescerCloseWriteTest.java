package org.replicator.core.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.watch.ChangeEvent;
import org.replicator.core.watch.ChangeEvent.Kind;

/** Close-write, rename pairs and files parked while open; fake clock. */
class CoalescerCloseWriteTest {
  private static final long MS = 1_000_000L;
  private static final ExcludeMatcher FILTER = new ExcludeMatcher(List.of("/wp-content/cache/"));
  private long now = 1_000 * MS;
  private final Coalescer c = new Coalescer(new CoalescerSettings(2 * MS, 50 * MS, 1000, 1000), FILTER, () -> now, CoalescerListener.NONE);

  private Batch pollAfter(long millis) {
    now += millis * MS;
    return c.poll();
  }

  @Test
  void writesWithoutACloseLeaveTheFileOpenSinceItsFirstEventAndTheCloseEndsIt() {
    c.onEvent(new ChangeEvent(Kind.CREATE, "d/up.zip"));
    now += 300 * MS;
    c.onEvent(new ChangeEvent(Kind.MODIFY, "d/up.zip"));
    PathHint open = pollAfter(3).paths().get("d/up.zip");
    assertThat(open.write()).isEqualTo(PathHint.Write.WRITING);
    assertThat(open.openSinceNanos()).isEqualTo(1_000 * MS);

    c.onEvent(new ChangeEvent(Kind.MODIFY, "d/up.zip"));
    c.onEvent(new ChangeEvent(Kind.CLOSE_WRITE, "d/up.zip"));
    PathHint closed = pollAfter(3).paths().get("d/up.zip");
    assertThat(closed.write()).isEqualTo(PathHint.Write.CLOSED);
    assertThat(closed.mustRead()).isTrue();
  }

  @Test
  void aRenameFilesBothNamesAndBothParentsInOneBatch() {
    c.onEvent(ChangeEvent.moved("a/old", "b/new"));

    Batch b = pollAfter(3);
    assertThat(b.paths()).containsOnlyKeys("a", "a/old", "b", "b/new");
    assertThat(b.paths().get("b/new").write()).as("arrived by rename: complete").isEqualTo(PathHint.Write.CLOSED);
    assertThat(b.paths().get("b/new").mustRead()).as("pairs with its old name by inode, no read").isFalse();
  }

  @Test
  void aRenameIntoAnExcludedDirectoryIsADeleteOfTheOldName() {
    c.onEvent(ChangeEvent.moved("img.jpg", "wp-content/cache/img.jpg"));

    assertThat(pollAfter(3).paths()).containsOnlyKeys("img.jpg");
  }

  @Test
  void aParkedFileNeitherMakesABatchReadyNorCountsAsLagUntilItsClose() {
    c.park("up.zip", PathHint.of(true, now, PathHint.Write.WRITING), now + 60_000 * MS);

    assertThat(pollAfter(1000)).isNull();
    assertThat(c.unplannedSinceNanos()).isEqualTo(Coalescer.NONE);
    assertThat(c.openFiles()).isEqualTo(1);
    assertThat(c.oldestOpenSinceNanos()).isEqualTo(1_000 * MS);

    c.onEvent(new ChangeEvent(Kind.CLOSE_WRITE, "up.zip"));
    Batch b = pollAfter(3);
    assertThat(b.paths().get("up.zip").write()).isEqualTo(PathHint.Write.CLOSED);
    assertThat(c.openFiles()).isZero();
  }

  @Test
  void aParkedFileComesBackAtItsWakeUpTimeKeepingWhenItOpened() throws InterruptedException {
    long opened = now;
    c.park("debug.log", PathHint.of(true, now, PathHint.Write.WRITING), now + 10_000 * MS);
    assertThat(pollAfter(9_999)).isNull();

    Batch b = pollAfter(1);
    assertThat(b.paths().get("debug.log").openSinceNanos()).isEqualTo(opened);
    assertThat(b.events()).isZero();
  }

  @Test
  void aRescanTakesTheParkedFilesAlongWithTheirHintSoThatTheyAreParkedAgainNotShipped() {
    c.park("up.zip", PathHint.of(true, now, PathHint.Write.WRITING), now + 60_000 * MS);
    c.onRescan("", "overflow", "");

    Batch b = pollAfter(0);
    assertThat(b.rescans()).containsKey("");
    assertThat(b.paths().get("up.zip").write()).isEqualTo(PathHint.Write.WRITING);
  }

  @Test
  void aFileParkedWhileAnEventForItWasPendingIsNotParked() {
    c.onEvent(new ChangeEvent(Kind.CLOSE_WRITE, "up.zip")); // arrived while the planner looked at it
    c.park("up.zip", PathHint.of(true, now - 5 * MS, PathHint.Write.WRITING), now + 60_000 * MS);

    assertThat(c.openFiles()).isZero();
    assertThat(pollAfter(3).paths().get("up.zip").write()).isEqualTo(PathHint.Write.CLOSED);
  }

  @Test
  void theCloseOfAPendingFileDoesNotCountAgainstTheEventCap() {
    Coalescer capped = new Coalescer(new CoalescerSettings(2 * MS, 50 * MS, 4, 1000), FILTER, () -> now, CoalescerListener.NONE);
    capped.onEvent(new ChangeEvent(Kind.CREATE, "a"));
    capped.onEvent(new ChangeEvent(Kind.CLOSE_WRITE, "a"));
    capped.onEvent(new ChangeEvent(Kind.CREATE, "b"));
    capped.onEvent(new ChangeEvent(Kind.CLOSE_WRITE, "b"));
    capped.onEvent(new ChangeEvent(Kind.CLOSE_WRITE, "c")); // not pending: counts
    assertThat(capped.poll()).as("3 events of 4 counted: not full yet").isNull();

    capped.onEvent(new ChangeEvent(Kind.MODIFY, "c"));
    assertThat(capped.poll().paths()).containsOnlyKeys("a", "b", "c");
  }

  @Test
  void aBarrierTakesFilesFoundOpenAlongButNotFilesWaitingForTheirCloseEvent() {
    c.park("found.jpg", PathHint.of(true, now, PathHint.Write.FOUND_OPEN), now + 500 * MS);
    c.park("up.zip", PathHint.of(true, now, PathHint.Write.WRITING), now + 60_000 * MS);
    c.addBarrier("b");

    Batch b = pollAfter(3);
    assertThat(b.paths()).containsOnlyKeys("found.jpg");
    assertThat(b.barriers()).containsExactly("b");
    assertThat(c.openFiles()).isEqualTo(1);
  }
}
