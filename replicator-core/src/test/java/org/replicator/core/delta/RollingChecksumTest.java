package org.replicator.core.delta;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.replicator.core.testing.Seeds;

class RollingChecksumTest {
  @Test
  void eightBytesAtATimeEqualsTheByteAtATimeDefinition() {
    Random random = Seeds.random("eightBytesAtATimeEqualsTheByteAtATimeDefinition");
    for (int t = 0; t < Seeds.tries(5000); t++) {
      byte[] b = new byte[random.nextInt(3000)];
      random.nextBytes(b);
      if (random.nextBoolean()) {
        java.util.Arrays.fill(b, (byte) 0xff); // the largest lane sums
      }
      int off = b.length == 0 ? 0 : random.nextInt(b.length);
      int len = b.length - off == 0 ? 0 : random.nextInt(b.length - off + 1);
      int expected = RollingChecksum.combine(RollingChecksum.sumA(b, off, len), RollingChecksum.sumS(b, off, len));
      assertThat(RollingChecksum.of(b, off, len)).as("len %d", len).isEqualTo(expected);
    }
  }

  @Test
  void rollingByOneByteEqualsRecomputing() {
    Random random = Seeds.random("rollingByOneByteEqualsRecomputing");
    byte[] b = new byte[100_000];
    random.nextBytes(b);
    int block = 1024;
    int w = RollingChecksum.of(b, 0, block);
    int a = w & 0xffff;
    int s = w >>> 16;
    for (int pos = 0; pos + block < b.length; pos++) {
      int out = b[pos] & 0xff;
      int in = b[pos + block] & 0xff;
      a += in - out;
      s += a - block * out;
      assertThat(RollingChecksum.combine(a, s)).isEqualTo(RollingChecksum.of(b, pos + 1, block));
    }
  }
}
