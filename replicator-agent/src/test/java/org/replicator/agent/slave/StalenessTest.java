package org.replicator.agent.slave;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** The slave's own lag, on a fake monotonic clock. */
class StalenessTest {
  private long now = 5_000_000_000_000L;
  private final LongSupplier clock = () -> now;

  private void advance(double seconds) {
    now += (long) (seconds * 1e9);
  }

  private Staleness current() {
    Staleness s = new Staleness(clock);
    s.connected();
    s.batchBegun(7);
    s.batchApplied(7, true);
    return s;
  }

  @Test
  void freshAgentIsBehindFromItsStartUntilTheMasterProvesItCurrent() {
    Staleness s = new Staleness(clock);
    advance(3);
    assertThat(s.lag().seconds()).isEqualTo(3.0);
    assertThat(s.lag().reason()).isEqualTo("no master connection since the agent started 3.0 s ago");
    s.connected();
    advance(1);
    assertThat(s.lag().seconds()).as("a handshake alone proves nothing").isEqualTo(4.0);
    assertThat(s.lag().reason()).isEqualTo("catching up for 4.0 s");
    s.batchBegun(7); // the batch that ends the catch-up (empty when the trees are equal)
    s.batchApplied(7, true);
    assertThat(s.lag().seconds()).isZero();
    assertThat(s.lag().connected()).isTrue();
  }

  @Test
  void batchReceivedAndNotAppliedAgesFromItsArrival() {
    Staleness s = current();
    s.batchBegun(8);
    advance(2.5);
    s.batchBegun(9);
    advance(1);
    Staleness.Lag lag = s.lag();
    assertThat(lag.seconds()).isEqualTo(3.5);
    assertThat(lag.batches()).isEqualTo(2);
    assertThat(lag.reason()).isEqualTo("batch 8 received 3.5 s ago, not applied yet");
    s.batchApplied(8, true);
    assertThat(s.lag().seconds()).as("now the oldest is batch 9").isEqualTo(1.0);
    s.batchApplied(9, true);
    assertThat(s.lag().seconds()).isZero();
  }

  @Test
  void disconnectedSlaveIsBehindSinceTheLastFrameHeard() {
    Staleness s = current();
    advance(4);
    s.heard(); // a ping
    advance(1);
    s.disconnected();
    advance(10);
    assertThat(s.lag().seconds()).isEqualTo(11.0);
    assertThat(s.lag().reason()).isEqualTo("no master connection for 11.0 s");
    assertThat(s.lag().connected()).isFalse();
  }

  @Test
  void disconnectWithABatchInFlightCountsFromThatBatch() {
    Staleness s = current();
    s.batchBegun(8);
    advance(2);
    s.heard();
    s.disconnected();
    advance(1);
    assertThat(s.lag().seconds()).isEqualTo(3.0);
    assertThat(s.lag().batches()).as("the dead connection's batch is dropped").isZero();
  }

  @Test
  void reconnectKeepsTheLagUntilTheCatchUpBatchIsApplied() {
    Staleness s = current();
    s.disconnected();
    advance(30);
    s.connected();
    advance(2);
    s.heard();
    assertThat(s.lag().seconds()).isEqualTo(32.0);
    s.batchBegun(7);
    s.batchApplied(7, true);
    assertThat(s.lag().seconds()).isZero();
  }

  @Test
  void batchOfAnOlderConnectionProvesNothing() {
    Staleness s = current();
    s.batchBegun(8);
    s.disconnected();
    s.connected();
    advance(5);
    s.batchApplied(8, true); // the apply loop finishing what the old connection sent
    assertThat(s.lag().seconds()).isEqualTo(5.0);
  }

  @Test
  void manifestRequestStartsACatchUpWhileConnected() {
    Staleness s = current();
    advance(100);
    s.catchUpRequested();
    advance(6);
    assertThat(s.lag().seconds()).isEqualTo(6.0);
    assertThat(s.lag().reason()).isEqualTo("catching up for 6.0 s");
    s.batchBegun(12);
    s.batchApplied(12, true);
    assertThat(s.lag().seconds()).isZero();
  }

  @Test
  void batchWithFailuresLeavesTheSlaveBehindUntilARetrySucceeds() {
    Staleness s = current();
    s.batchBegun(8);
    advance(1);
    s.batchApplied(8, false);
    advance(4);
    assertThat(s.lag().seconds()).isEqualTo(5.0);
    s.batchBegun(9);
    s.batchApplied(9, true);
    assertThat(s.lag().seconds()).isZero();
  }

  @Test
  void silentMasterCountsOnlyPastThreeMissedPings() {
    Staleness s = current();
    long grace = TimeUnit.NANOSECONDS.toSeconds(Staleness.SILENCE_GRACE_NANOS);
    advance(grace);
    assertThat(s.lag().seconds()).as("pings come every 5 s of quiet").isZero();
    advance(1);
    assertThat(s.lag().seconds()).isEqualTo(grace + 1.0);
    assertThat(s.lag().reason()).isEqualTo("master silent for " + (grace + 1) + ".0 s");
    s.heard();
    assertThat(s.lag().seconds()).isZero();
  }
}
