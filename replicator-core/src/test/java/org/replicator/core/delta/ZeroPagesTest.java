package org.replicator.core.delta;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ZeroPagesTest {
  private static List<String> pieces(byte[] b, int off, int len) throws Exception {
    List<String> out = new ArrayList<>();
    ZeroPages.split(b, off, len, new ZeroPages.Sink() {
      @Override
      public void data(byte[] bytes, int o, int l) {
        out.add("data " + (o - off) + "+" + l);
      }

      @Override
      public void zeros(long length) {
        out.add("zeros " + length);
      }
    });
    return out;
  }

  @Test
  void wholeZeroPagesBecomeOneRunAndEverythingElseStaysDataInOrder() throws Exception {
    byte[] b = new byte[5 * 4096 + 100];
    b[10] = 1; // page 0: data
    b[3 * 4096 + 1] = 1; // page 3: data; pages 1-2 zero; page 4 zero; short tail of zeros stays data
    assertThat(pieces(b, 0, b.length)).containsExactly("data 0+4096", "zeros 8192", "data 12288+4096", "zeros 4096", "data 20480+100");
  }

  @Test
  void allZerosAndNoZerosAndEmpty() throws Exception {
    assertThat(pieces(new byte[8192], 0, 8192)).containsExactly("zeros 8192");
    byte[] ones = new byte[5000];
    java.util.Arrays.fill(ones, (byte) 1);
    assertThat(pieces(ones, 0, 5000)).containsExactly("data 0+5000");
    assertThat(pieces(ones, 0, 0)).isEmpty();
  }

  @Test
  void aBufferHasAZeroPageWhereTheArrayRuleSaysSoHeapOrDirectAndNeverInAShortTail() {
    byte[] b = new byte[3 * 4096 + 100];
    b[4096 + 4095] = 1; // page 1's last byte: page 0 and 2 are zero, the 100-byte tail is too short
    java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(b.length).put(b).clear();
    for (java.nio.ByteBuffer buf : List.of(java.nio.ByteBuffer.wrap(b), direct)) {
      for (int at : new int[] {0, 4096, 2 * 4096, 3 * 4096, 7}) {
        boolean expected = b.length - at >= 4096 && ZeroPages.isZeroPage(b, at);
        assertThat(ZeroPages.isZeroPage(buf, at)).as("at %d, direct %s", at, buf.isDirect()).isEqualTo(expected);
      }
    }
    assertThat(ZeroPages.isZeroPage(direct, 0)).isTrue();
    assertThat(ZeroPages.isZeroPage(direct, 4096)).isFalse();
  }
}
