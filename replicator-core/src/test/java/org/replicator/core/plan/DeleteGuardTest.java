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
}
