package org.replicator.core.health;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.replicator.core.config.HealthConfig;

class VerdictTest {
  static final HealthConfig H = new HealthConfig(5, 30, 10);

  @Test
  void lagBelowDrainIsUpFromDrainIsDrainFromDownIsDown() {
    assertThat(Verdict.of(0, false, H)).isEqualTo(Verdict.UP);
    assertThat(Verdict.of(4.999, false, H)).isEqualTo(Verdict.UP);
    assertThat(Verdict.of(5, false, H)).isEqualTo(Verdict.DRAIN);
    assertThat(Verdict.of(29.9, false, H)).isEqualTo(Verdict.DRAIN);
    assertThat(Verdict.of(30, false, H)).isEqualTo(Verdict.DOWN);
  }

  @Test
  void blockedSlaveIsDownWhateverItsLag() {
    assertThat(Verdict.of(0, true, H)).isEqualTo(Verdict.DOWN);
  }

  @Test
  void everyAnswerSetsBothHaproxyStatesSoItRevertsWhatAnEarlierAnswerSet() {
    assertThat(Verdict.UP.agentCheckLine("")).isEqualTo("up ready\n");
    assertThat(Verdict.DRAIN.agentCheckLine("lag 7.0 s")).isEqualTo("up drain # lag 7.0 s\n");
    assertThat(Verdict.DOWN.agentCheckLine("disconnected")).isEqualTo("down # disconnected\n");
  }

  @Test
  void reasonIsOnePrintableAsciiLineOfBoundedLength() {
    String line = Verdict.DOWN.agentCheckLine("bad\nline\r\u00e9" + "x".repeat(500));
    assertThat(line).startsWith("down # bad?line??x").endsWith("x\n");
    assertThat(line.chars().filter(c -> c == '\n').count()).isEqualTo(1);
    assertThat(line.length()).isEqualTo("down # ".length() + Verdict.MAX_REASON + 1);
  }

  @Test
  void labelsRoundTrip() {
    for (Verdict v : Verdict.values()) {
      assertThat(Verdict.ofLabel(v.label())).isEqualTo(v);
    }
  }
}
