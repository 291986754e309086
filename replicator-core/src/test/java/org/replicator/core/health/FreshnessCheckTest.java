package org.replicator.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web health check's rules, on a fake clock. */
class FreshnessCheckTest {
  static final long T0 = 1_767_225_600_000L;
  @TempDir Path dir;

  static Freshness written(Verdict verdict, double lag) {
    return new Freshness("web2", 4242, T0, verdict, lag, true, 812, T0 - 250, 5, 30, 10);
  }

  @Test
  void formatIsTheDocumentedKeyValueLinesAndReadsBack() {
    Freshness f = written(Verdict.UP, 0.25);
    assertThat(f.format()).isEqualTo("""
        format=1
        node=web2
        pid=4242
        heartbeat_ms=1767225600000
        verdict=up
        lag_s=0.250
        master_connected=true
        last_applied_seq=812
        last_applied_ms=1767225599750
        drain_lag_s=5
        down_lag_s=30
        heartbeat_timeout_s=10
        """);
    assertThat(Freshness.parse(f.format())).isEqualTo(f);
  }

  @Test
  void parseIgnoresUnknownKeysAndNamesTheBadOne() {
    assertThat(Freshness.parse("future=1\n" + written(Verdict.UP, 0).format())).isEqualTo(written(Verdict.UP, 0));
    assertThatThrownBy(() -> Freshness.parse(written(Verdict.UP, 0).format().replace("pid=4242\n", "")))
        .hasMessage("missing pid");
    assertThatThrownBy(() -> Freshness.parse(written(Verdict.UP, 0).format().replace("lag_s=0.000", "lag_s=NaN")))
        .hasMessage("lag_s='NaN' is not a number");
    assertThatThrownBy(() -> Freshness.parse(written(Verdict.UP, 0).format().replace("format=1", "format=2")))
        .hasMessageContaining("format=2 is not 1");
  }

  @Test
  void currentHeartbeatAndSmallLagIsFresh() {
    FakeClock clock = new FakeClock(T0 + 900);
    FreshnessCheck.Result r = FreshnessCheck.check(written(Verdict.UP, 0.1), clock);
    assertThat(r.fresh()).as(r.reason()).isTrue();
    assertThat(r.reason()).isEqualTo("up, lag 1.0 s, heartbeat 0.9 s old");
  }

  @Test
  void stoppedAgentGoesStaleOnceItsHeartbeatIsOlderThanTheTimeout() {
    FakeClock clock = new FakeClock(T0);
    Freshness f = written(Verdict.UP, 0);
    clock.advanceMillis(10_000);
    assertThat(FreshnessCheck.check(f, clock).fresh()).isTrue();
    clock.advanceMillis(1);
    FreshnessCheck.Result r = FreshnessCheck.check(f, clock);
    assertThat(r.fresh()).isFalse();
    assertThat(r.reason()).isEqualTo("heartbeat 10.0 s old (timeout 10 s): is the replicator agent of web2 running?");
  }

  @Test
  void recordedLagKeepsGrowingWithTheHeartbeatsAge() {
    FakeClock clock = new FakeClock(T0);
    Freshness f = written(Verdict.DRAIN, 25);
    assertThat(FreshnessCheck.check(f, clock).fresh()).as("drain is the agent-check's business").isTrue();
    clock.advanceMillis(5_000);
    FreshnessCheck.Result r = FreshnessCheck.check(f, clock);
    assertThat(r.fresh()).isFalse();
    assertThat(r.reason()).isEqualTo("lag 30.0 s reaches down_lag_s 30");
  }

  @Test
  void downVerdictIsStale() {
    FreshnessCheck.Result r = FreshnessCheck.check(written(Verdict.DOWN, 0), new FakeClock(T0));
    assertThat(r.fresh()).isFalse();
    assertThat(r.reason()).startsWith("agent says down");
  }

  @Test
  void heartbeatFromTheFutureCountsAsNew() {
    assertThat(FreshnessCheck.check(written(Verdict.UP, 0), new FakeClock(T0 - 60_000)).fresh()).isTrue();
  }

  @Test
  void missingMalformedOrOversizedFileIsStaleAndNamesTheFile() throws Exception {
    Path file = dir.resolve("freshness");
    FakeClock clock = new FakeClock(T0);
    assertThat(FreshnessCheck.check(file, clock).reason()).isEqualTo(file + ": missing (is this a slave, and did its agent ever run?)");
    Files.writeString(file, "format=1\n", StandardCharsets.UTF_8);
    assertThat(FreshnessCheck.check(file, clock).reason()).isEqualTo(file + ": malformed: missing node");
    Files.writeString(file, "x".repeat(5000), StandardCharsets.UTF_8);
    assertThat(FreshnessCheck.check(file, clock).fresh()).isFalse();
    Files.writeString(file, written(Verdict.UP, 0).format(), StandardCharsets.UTF_8);
    assertThat(FreshnessCheck.check(file, clock).fresh()).isTrue();
  }
}
