package org.replicator.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.testing.Seeds;
import org.replicator.core.testing.UnixJimfs;

class ContentChunkerTest {
  private final FileSystem fs = UnixJimfs.newFileSystem();

  @AfterEach
  void closeFs() throws IOException {
    fs.close();
  }

  private static List<Chunk> all(ContentChunker c) throws IOException {
    List<Chunk> out = new ArrayList<>();
    for (Chunk k = c.next(); k != null; k = c.next()) {
      out.add(k);
    }
    return out;
  }

  private static byte[] join(List<Chunk> chunks) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Chunk c : chunks) {
      if (c instanceof Chunk.Data d) {
        out.writeBytes(d.bytes());
      } else if (c instanceof Chunk.Zeros z) {
        out.writeBytes(new byte[(int) z.length()]);
      }
    }
    return out.toByteArray();
  }

  @Test
  void emptyContentHasNoChunks() throws IOException {
    ContentChunker c = ContentChunker.ofBytes(new byte[0]);
    assertThat(c.next()).isNull();
    assertThat(c.hash()).isEqualTo(ContentHasher.of(new byte[0]));
  }

  @Test
  void zeroPagesBecomeOneZeroRun() throws IOException {
    byte[] content = new byte[3 * 4096 + 10];
    content[0] = 1;
    content[content.length - 1] = 2;
    List<Chunk> chunks = all(ContentChunker.ofBytes(content));
    assertThat(chunks).filteredOn(c -> c instanceof Chunk.Zeros).singleElement().isInstanceOf(Chunk.Zeros.class);
    assertThat(join(chunks)).isEqualTo(content);
  }

  /** Random content with runs of zeros, from memory and from a file: same bytes, bounded chunks, same hash. */
  @Test
  void chunksRebuildTheContentWithinTheLimitAndHashIt() throws IOException {
    Random random = Seeds.random("chunksRebuildTheContentWithinTheLimitAndHashIt");
    for (int round = 0, n = Seeds.tries(40); round < n; round++) {
      byte[] content = new byte[random.nextInt(3 * ContentChunker.CHUNK)];
      random.nextBytes(content);
      for (int z = random.nextInt(6); z > 0 && content.length > 0; z--) {
        int from = random.nextInt(content.length);
        java.util.Arrays.fill(content, from, Math.min(content.length, from + random.nextInt(40_000)), (byte) 0);
      }
      Path file = fs.getPath("/f" + round);
      Files.write(file, content);
      for (ContentChunker c : List.of(ContentChunker.ofBytes(content), ContentChunker.ofFile(file, content.length))) {
        try (c) {
          List<Chunk> chunks = all(c);
          assertThat(chunks).allSatisfy(k -> {
            if (k instanceof Chunk.Data d) {
              assertThat(d.bytes().length).isBetween(1, ContentChunker.CHUNK);
            }
          });
          assertThat(join(chunks)).isEqualTo(content);
          assertThat(c.hash()).isEqualTo(ContentHasher.of(content));
        }
      }
    }
  }

  /**
   * A small file's read buffer is its size plus one byte, not 256 KiB (issue 16: zeroing that per
   * file was a fifth of the sender's CPU), and the extra byte still catches a file that grew,
   * even from empty.
   */
  @Test
  void aSmallFileIsReadIntoABufferOfItsSizeAndGrowthIsStillCaught() throws IOException {
    Path file = fs.getPath("/small");
    Files.write(file, new byte[] {5, 6, 7});
    try (ContentChunker c = ContentChunker.ofFile(file, 3)) {
      assertThat(c.bufferCapacity()).isEqualTo(4);
      assertThat(join(all(c))).containsExactly(5, 6, 7);
    }
    try (ContentChunker c = ContentChunker.ofFile(file, 0)) {
      assertThatThrownBy(() -> all(c)).isInstanceOf(IOException.class).hasMessageContaining("grew");
    }
    Path big = fs.getPath("/big");
    Files.write(big, new byte[ContentChunker.CHUNK * 2 + 5]);
    try (ContentChunker c = ContentChunker.ofFile(big, ContentChunker.CHUNK * 2 + 5)) {
      assertThat(c.bufferCapacity()).isEqualTo(ContentChunker.CHUNK);
      assertThat(join(all(c))).hasSize(ContentChunker.CHUNK * 2 + 5);
    }
  }

  @Test
  void fileThatGrewOrShrankWhileStreamingFails() throws IOException {
    Path file = fs.getPath("/f");
    Files.write(file, new byte[] {1, 2, 3});
    try (ContentChunker c = ContentChunker.ofFile(file, 2)) {
      assertThatThrownBy(() -> all(c)).isInstanceOf(IOException.class).hasMessageContaining("grew");
    }
    try (ContentChunker c = ContentChunker.ofFile(file, 4)) {
      assertThatThrownBy(() -> all(c)).isInstanceOf(IOException.class).hasMessageContaining("shrank");
    }
  }
}
