package org.replicator.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DeleteGuardTest {
  private final FakeTicker ticker = new FakeTicker();
  private final DeleteGuard guard = new DeleteGuard(10, 0.5, ticker);

  @Test
  void batchWithoutDeletesIsNeverHeld() {
    assertThat(guard.holdReason(0, 0)).isNull();
    assertThat(guard.holdReason(0, 100)).isNull();
  }

  @Test
  void deletingMostOfTheTreeIsHeldWithTheFiguresThatDisagree() {
    assertThat(guard.holdReason(60, 100)).isEqualTo("mass delete: 60 of 100 entries within 10 s (60%, threshold 50%)");
  }

  @Test
  void fewerPathsThanTheMinimumGoThroughWhateverTheShare() {
    assertThat(guard.holdReason(9, 9)).isNull();
  }

  @Test
  void aShareAtTheThresholdGoesThrough() {
    assertThat(guard.holdReason(50, 100)).isNull();
  }

  @Test
  void deletesOfOneWaveCountTogetherAcrossBatches() {
    assertThat(guard.holdReason(30, 100)).isNull();
    ticker.advanceMillis(5_000);
    // The second batch sees a smaller tree; the share is of the largest tree in the window.
    assertThat(guard.holdReason(30, 70)).isEqualTo("mass delete: 60 of 100 entries within 10 s (60%, threshold 50%)");
  }

  @Test
  void deletesOlderThanTheWindowNoLongerCount() {
    assertThat(guard.holdReason(30, 100)).isNull();
    ticker.advanceMillis(10_001);
    assertThat(guard.holdReason(30, 70)).isNull();
  }

  @Test
  void heldBatchIsNotCountedTwice() {
    assertThat(guard.holdReason(60, 100)).isNotNull();
    ticker.advanceMillis(1);
    assertThat(guard.holdReason(5, 40)).isNull();
  }

  @Test
  void afterAConfirmationTheRestOfTheWaveGoesThroughForTheWindow() {
    assertThat(guard.holdReason(60, 100)).isNotNull();
    guard.confirmed();
    assertThat(guard.holdReason(40, 40)).isNull();
    ticker.advanceMillis(9_999);
    assertThat(guard.holdReason(10, 10)).isNull();
    ticker.advanceMillis(2);
    assertThat(guard.holdReason(10, 10)).isEqualTo("mass delete: 10 of 10 entries within 10 s (100%, threshold 50%)");
  }

  @Test
  void emptyTreeCountsAsEverythingDeleted() {
    assertThat(guard.holdReason(10, 0)).startsWith("mass delete: 10 of 0 entries");
  }

  @Test
  void aPluginReplacedByItsNewVersionIsNotAMassDelete() {
    // The figures: the upgrader removed a 2,028-entry plugin directory of a 2,045-entry
    // tree and wrote the new version (2,030 entries) in its place.
    DeleteGuard real = new DeleteGuard(100, 0.5, ticker);
    assertThat(real.holdReason(2028, 2045)).isEqualTo("mass delete: 2028 of 2045 entries within 10 s (99%, threshold 50%)");
    assertThat(real.holdReason(2028, 2045, 2030)).isNull();
  }

  @Test
  void aNewVersionWithFewerFilesCountsOnlyWhatIsReallyGone() {
    assertThat(guard.holdReason(100, 120, 90)).isNull(); // 10 really gone: the minimum is 10, the share 8%
    assertThat(guard.holdReason(100, 120, 40)).as("60 gone within the window, with the 10 before")
        .isEqualTo("mass delete: 70 of 120 entries within 10 s (58%, threshold 50%)");
  }

  @Test
  void anEmptiedTreeWithNothingInItsPlaceIsStillHeld() {
    assertThat(guard.holdReason(95, 100, 0)).isEqualTo("mass delete: 95 of 100 entries within 10 s (95%, threshold 50%)");
  }

  @Test
  void aDeletedDirectoryRecreatedEmptyIsStillAMassDelete() {
    // rm -rf of the tree's content, then the directory made again (a failed restore, an unmounted
    // disk's mount point): one entry back, the rest gone.
    assertThat(guard.holdReason(95, 100, 1)).isEqualTo("mass delete: 94 of 100 entries within 10 s (94%, threshold 50%)");
  }
}
