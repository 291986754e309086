package org.replicator.core.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.replicator.core.testing.Seeds;

/**
 * The content hash is persisted (indexes, journals, signatures) and compared between nodes of
 * different versions: its values are pinned here, and every way of feeding bytes must give them.
 */
class ContentHasherTest {
  /** Values of the first release's hasher; a change here breaks every saved index and mixed-version cluster. */
  @Test
  void valuesArePinned() {
    assertThat(hex(ContentHasher.of(new byte[0]))).isEqualTo("fb4279b855dd0469");
    assertThat(hex(ContentHasher.of("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))).isEqualTo("4aaea5b623da1fd2");
    assertThat(hex(ContentHasher.of(pattern(3 * ContentHasher.BLOCK + 17)))).isEqualTo("a7dc9ee0fda39e38");
    byte[] block = new byte[ContentHasher.BLOCK];
    for (int i = 0; i < block.length; i++) {
      block[i] = (byte) i;
    }
    assertThat(hex(ContentHasher.of(block))).isEqualTo("e71f0694a48df705");
    // Past 8,192 blocks the list of block hashes is folded: a 512 MiB hole exercises it without the memory.
    assertThat(hex(new ContentHasher().updateZeros(8193L * ContentHasher.BLOCK + 5).finish())).isEqualTo("a51b759b676ae45b");
  }

  @Test
  void anySplitOfTheInputGivesTheSameHash() {
    Random random = Seeds.random("anySplitOfTheInputGivesTheSameHash");
    ContentHasher reused = new ContentHasher();
    for (int t = 0; t < Seeds.tries(200); t++) {
      byte[] content = new byte[random.nextInt(4) == 0 ? random.nextInt(64) : random.nextInt(5 * ContentHasher.BLOCK)];
      random.nextBytes(content);
      long whole = ContentHasher.of(content);
      reused.reset();
      ContentHasher direct = new ContentHasher();
      int off = 0;
      while (off < content.length) {
        int n = Math.min(content.length - off, 1 + random.nextInt(random.nextBoolean() ? 300 : 2 * ContentHasher.BLOCK));
        reused.update(content, off, n);
        ByteBuffer piece = random.nextBoolean() ? ByteBuffer.allocateDirect(n) : ByteBuffer.allocate(n + 3).position(3).slice();
        piece.put(content, off, n).flip();
        direct.update(piece);
        assertThat(piece.hasRemaining()).isFalse();
        off += n;
      }
      assertThat(reused.finish()).as("try %d, %d bytes, byte[] pieces into a reused hasher", t, content.length).isEqualTo(whole);
      assertThat(direct.finish()).as("try %d, %d bytes, ByteBuffer pieces", t, content.length).isEqualTo(whole);
    }
  }

  @Test
  void zerosHashLikeZeroBytes() {
    byte[] zeros = new byte[2 * ContentHasher.BLOCK + 100];
    long expected = ContentHasher.of(zeros);
    ContentHasher h = new ContentHasher().update(new byte[7], 0, 7).updateZeros(zeros.length - 7);
    assertThat(h.length()).isEqualTo(zeros.length);
    assertThat(h.finish()).isEqualTo(expected);
  }

  private static byte[] pattern(int size) {
    byte[] b = new byte[size];
    for (int i = 0; i < size; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  private static String hex(long v) {
    return String.format("%016x", v);
  }
}
