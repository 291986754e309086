package org.replicator.agent.slave;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DecodeWarmupTest {
  @Test
  void warmUpDecodesEveryFrameOfItsMadeUpBatches() throws Exception {
    // Each frame type's reader must run ~200 times for C1 to compile it: a warm-up that decodes
    // fewer frames (or fails half-way, which it would only log) leaves the first real batches cold.
    assertThat(DecodeWarmup.run()).isEqualTo(DecodeWarmup.BATCHES * DecodeWarmup.FRAMES_PER_BATCH);
    assertThat(DecodeWarmup.BATCHES).isGreaterThanOrEqualTo(200);
  }

  @Test
  void warmUpRunsOnADaemonThreadThatEndsByItself() throws Exception {
    Thread t = DecodeWarmup.start();
    assertThat(t.isDaemon()).isTrue(); // never keeps a stopping agent's JVM alive
    t.join(60_000);
    assertThat(t.isAlive()).isFalse();
  }
}
