package org.replicator.agent.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LogLimiterTest {
  @Test
  void sameKeyIsAllowedOncePerIntervalOtherKeysIndependently() {
    LogLimiter limiter = new LogLimiter(1, TimeUnit.HOURS);
    assertThat(limiter.allow("10.0.0.9 expired")).isTrue();
    assertThat(limiter.allow("10.0.0.9 expired")).isFalse();
    assertThat(limiter.allow("10.0.0.9 no certificate")).isTrue();
    assertThat(limiter.allow("10.0.0.8 expired")).isTrue();
  }

  @Test
  void manyDistinctKeysNeverGrowItWithoutBound() {
    LogLimiter limiter = new LogLimiter(1, TimeUnit.HOURS);
    for (int i = 0; i < 10_000; i++) {
      assertThat(limiter.allow("host" + i)).isTrue();
    }
    // Forgotten wholesale past the bound: an old key may be logged again, never lost silently.
    assertThat(limiter.allow("host0")).isTrue();
  }
}
