package org.replicator.core.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import net.openhft.hashing.LongHashFunction;
import org.junit.jupiter.api.Test;

/**
 * {@link Xxh3} gives the library's XXH3-64 on every input: hashes are persisted (indexes,
 * signatures) and compared with what older versions computed, so one differing value would make
 * every file look changed.
 */
class Xxh3Test {
  private static final LongHashFunction LIBRARY = LongHashFunction.xx3();

  @Test
  void equalsTheLibraryAtEveryLengthUpToSeveralBlocksAndAtOddOffsets() {
    long seed = Long.getLong("test.seed", System.nanoTime());
    System.out.println("xxh3 seed=" + seed + " (replay with -Dtest.seed=" + seed + ")");
    byte[] b = new byte[4 * 1024 + 64];
    new Random(seed).nextBytes(b);
    for (int len = 0; len <= 4 * 1024; len++) {
      for (int off : new int[] {0, 1, 7, 63}) {
        assertThat(Xxh3.hash(b, off, len)).as("seed %d length %d offset %d", seed, len, off)
            .isEqualTo(LIBRARY.hashBytes(b, off, len));
      }
    }
  }

  @Test
  void equalsTheLibraryOnTheBlockSizesFilesAreHashedIn() {
    byte[] b = new byte[(1 << 20) + 5];
    new Random(3).nextBytes(b);
    for (int len : new int[] {1024, 8192, 16384, 65536, 65535, 131072, 1 << 20}) {
      assertThat(Xxh3.hash(b, 5, len)).as("length %d", len).isEqualTo(LIBRARY.hashBytes(b, 5, len));
    }
  }

  @Test
  void pinsTheValueOfAKnownInput() {
    // XXH3-64 of 0..255 repeated to 1 KiB (a long input), seed 0, as the library computes it.
    byte[] b = new byte[1024];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) i;
    }
    assertThat(Xxh3.hash(b, 0, b.length)).isEqualTo(LIBRARY.hashBytes(b));
  }
}
