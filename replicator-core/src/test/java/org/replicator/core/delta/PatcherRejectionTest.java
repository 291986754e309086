package org.replicator.core.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.hash.ContentHasher;

/** Every hostile delta is refused before the bytes it asks for are written. */
class PatcherRejectionTest {
  @TempDir Path dir;
  private Path basisFile;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  @BeforeEach
  void basis() throws Exception {
    basisFile = dir.resolve("basis");
    Files.write(basisFile, new byte[10_000]);
  }

  private Patcher patcher(long targetSize) throws Exception {
    return new Patcher(new BasisSource(FileChannel.open(basisFile, StandardOpenOption.READ)), targetSize, Channels.newChannel(out));
  }

  @Test
  void copyPastTheEndOfTheBasisIsRejectedBeforeWriting() throws Exception {
    Patcher p = patcher(20_000);
    assertThatThrownBy(() -> p.copy(9_000, 2_000)).isInstanceOf(DeltaException.class).hasMessageContaining("outside the 10000-byte basis");
    assertThatThrownBy(() -> p.copy(10_000, 1)).isInstanceOf(DeltaException.class);
    assertThatThrownBy(() -> p.copy(Long.MAX_VALUE, 1)).isInstanceOf(DeltaException.class);
    assertThat(out.size()).isZero();
  }

  @Test
  void negativeOrOverflowingRangesAreRejected() throws Exception {
    Patcher p = patcher(20_000);
    assertThatThrownBy(() -> p.copy(-1, 10)).isInstanceOf(DeltaException.class);
    assertThatThrownBy(() -> p.copy(10, -5)).isInstanceOf(DeltaException.class);
    assertThatThrownBy(() -> p.copy(10, 0)).isInstanceOf(DeltaException.class);
    assertThatThrownBy(() -> p.copy(5, Long.MAX_VALUE)).isInstanceOf(DeltaException.class);
    assertThat(out.size()).isZero();
  }

  @Test
  void deltaProducingMoreThanTheDeclaredSizeIsRejectedBeforeWriting() throws Exception {
    Patcher p = patcher(100);
    p.copy(0, 60);
    assertThatThrownBy(() -> p.copy(0, 41)).isInstanceOf(DeltaException.class).hasMessageContaining("more than the declared 100");
    assertThatThrownBy(() -> p.literal(new byte[41], 0, 41)).isInstanceOf(DeltaException.class);
    assertThat(out.size()).isEqualTo(60);
  }

  @Test
  void resultShorterThanDeclaredIsRejected() throws Exception {
    Patcher p = patcher(100);
    p.copy(0, 99);
    assertThatThrownBy(() -> p.finish(ContentHasher.of(new byte[99]))).isInstanceOf(DeltaException.class).hasMessageContaining("99 bytes, 100 declared");
  }

  @Test
  void resultWithAnotherHashIsRejected() throws Exception {
    Patcher p = patcher(100);
    p.copy(0, 100);
    assertThatThrownBy(() -> p.finish(ContentHasher.of(new byte[100]) ^ 1)).isInstanceOf(DeltaException.class).hasMessageContaining("differs from the declared");
    Patcher ok = patcher(100);
    ok.copy(0, 100);
    ok.finish(ContentHasher.of(new byte[100]));
  }

  @Test
  void emptyLiteralIsRejected() throws Exception {
    Patcher p = patcher(100);
    assertThatThrownBy(() -> p.literal(new byte[1], 0, 0)).isInstanceOf(DeltaException.class);
  }

  @Test
  void basisThatGrowsAfterOpeningCannotBeReadPastItsOriginalSize() throws Exception {
    Patcher p = patcher(30_000);
    Files.write(basisFile, new byte[20_000], StandardOpenOption.APPEND);
    assertThatThrownBy(() -> p.copy(10_000, 100)).isInstanceOf(DeltaException.class);
  }
}
