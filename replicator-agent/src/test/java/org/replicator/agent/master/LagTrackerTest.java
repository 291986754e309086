package org.replicator.agent.master;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.journal.Journal;
import org.replicator.core.op.Op;
import org.replicator.core.plan.PlannedOp;

/**
 * Lag of one slave in batches, bytes and seconds, with a real journal on disk. Batch {@code n} is
 * made at {@code n} seconds (ms since the epoch: {@code n * 1000}) with {@code n} content bytes.
 */
class LagTrackerTest {
  private static final Journal.Settings SETTINGS = new Journal.Settings(1 << 20, 3600_000, 4096);

  @TempDir Path dir;

  private static List<PlannedOp> ops(long seq) {
    return List.of(PlannedOp.of(new Op.Delete("old/" + seq)));
  }

  /** The journal a master left at its stop: batches 1..last, {@code web2} acknowledged up to {@code acked}. */
  private Journal journal(long last, long acked) throws IOException {
    Journal j = Journal.open(dir.resolve("journal"), SETTINGS, 0);
    for (long s = 1; s <= last; s++) {
      j.append(s, s * 1000, s, ops(s));
    }
    if (acked > 0) {
      j.acknowledged("web2", acked);
    }
    return j;
  }

  @Test
  void slaveDownAcrossAMasterRestartLagsFromTheOldestJournaledBatchItLacks() throws IOException {
    try (Journal before = journal(5, 2)) {
      // the master stops
    }
    try (Journal j = Journal.open(dir.resolve("journal"), SETTINGS, 5)) {
      LagTracker lag = new LagTracker();
      lag.restore(j, "web2");
      assertThat(lag.lastAckedSeq()).isEqualTo(2);
      assertThat(lag.batches()).isEqualTo(3);
      assertThat(lag.bytes()).isEqualTo(3 + 4 + 5);
      assertThat(lag.seconds(10_000)).as("batch 3 was made at 3 s").isEqualTo(7.0);
      assertThat(lag.seconds(70_000)).as("and the age grows").isEqualTo(67.0);

      lag.batchCreated(6, 60_000, 6); // a change after the restart
      assertThat(lag.seconds(70_000)).isEqualTo(67.0);
      assertThat(lag.batches()).isEqualTo(4);

      lag.acknowledged(4, 71_000);
      assertThat(lag.seconds(71_000)).as("batch 5, made at 5 s").isEqualTo(66.0);
      lag.acknowledged(5, 72_000);
      assertThat(lag.seconds(72_000)).as("batch 6, made at 60 s").isEqualTo(12.0);
      lag.acknowledged(6, 73_000);
      assertThat(lag.seconds(73_000)).isZero();
      assertThat(lag.batches()).isZero();
      assertThat(lag.bytes()).isZero();
    }
  }

  @Test
  void batchJournaledAndOfferedAfterTheLinkJoinedCountsOnce() throws IOException {
    try (Journal j = journal(5, 3)) {
      LagTracker lag = new LagTracker();
      lag.batchCreated(5, 5000, 5); // offered before the journal was read: the reader stops there
      lag.restore(j, "web2");
      assertThat(lag.batches()).isEqualTo(2);
      assertThat(lag.bytes()).isEqualTo(4 + 5);
      assertThat(lag.seconds(10_000)).isEqualTo(6.0);
    }
  }

  @Test
  void slaveThatNeverAcknowledgedLacksEverythingJournaled() throws IOException {
    try (Journal j = journal(3, 0)) {
      LagTracker lag = new LagTracker();
      lag.restore(j, "web2");
      assertThat(lag.lastAckedSeq()).isZero();
      assertThat(lag.batches()).isEqualTo(3);
      assertThat(lag.seconds(11_000)).isEqualTo(10.0);
    }
  }

  @Test
  void slaveThatAcknowledgedEverythingHasNoLag() throws IOException {
    try (Journal j = journal(3, 3)) {
      LagTracker lag = new LagTracker();
      lag.restore(j, "web2");
      assertThat(lag.batches()).isZero();
      assertThat(lag.seconds(99_000)).isZero();
    }
  }

  @Test
  void pastTheTrackedLimitTheOldestTimeIsKeptAndNewerBatchesStayBehindIt() {
    LagTracker lag = new LagTracker();
    for (long s = 1; s <= LagTracker.MAX_TRACKED + 2; s++) {
      lag.batchCreated(s, s * 1000, 1);
    }
    assertThat(lag.batches()).isEqualTo(LagTracker.MAX_TRACKED + 2);
    lag.acknowledged(LagTracker.MAX_TRACKED, 0);
    // Tracked ones acknowledged, two untracked left: their oldest time, not 0.
    long now = (LagTracker.MAX_TRACKED + 10) * 1000L;
    assertThat(lag.seconds(now)).isEqualTo(9.0);
    lag.batchCreated(LagTracker.MAX_TRACKED + 3, now, 1); // newer than the untracked: joins them, not the empty tracked queue
    assertThat(lag.seconds(now)).isEqualTo(9.0);
    lag.acknowledged(LagTracker.MAX_TRACKED + 3, now);
    assertThat(lag.seconds(now)).isZero();
    assertThat(lag.batches()).isZero();
  }
}
