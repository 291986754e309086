package org.replicator.core.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.replicator.core.index.Entries.dir;
import static org.replicator.core.index.Entries.file;
import static org.replicator.core.index.Entries.link;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.op.Meta;

class IndexFileTest {
  private final FileSystem jimfs = Jimfs.newFileSystem(Configuration.unix());
  @TempDir Path tmp;

  @AfterEach
  void close() throws IOException {
    jimfs.close();
  }

  private static Index sample() {
    Index index = new Index();
    index.put(dir("wp-content", 10));
    index.put(dir("wp-content/uploads", 11));
    index.put(file("wp-content/uploads/é photo\n.jpg", 123_456, -7, 12));
    index.put(file("wp-content/uploads/é photo\n.jpg.bak", 0, 0, 12));
    index.put(link("current", "../releases/42", 13));
    index.put(new Entry("index.php", EntryType.FILE, 405, -5, 04755, Meta.NO_OWNER, Meta.NO_OWNER, Long.MIN_VALUE, "", Long.MAX_VALUE, 2, Long.MIN_VALUE));
    index.put(file("a".repeat(255), 1, 1, 0));
    return index;
  }

  @Test
  void saveThenLoadRoundTripsEveryFieldOnRealDisk() throws IOException {
    roundTrip(tmp.resolve("index.bin"));
  }

  @Test
  void saveThenLoadRoundTripsEveryFieldOnJimfs() throws IOException {
    Files.createDirectories(jimfs.getPath("/state"));
    roundTrip(jimfs.getPath("/state/index.bin"));
  }

  private void roundTrip(Path file) throws IOException {
    Index index = sample();
    index.save(file);
    index.save(file); // replaces atomically
    Index loaded = Index.load(file);
    assertThat(loaded.entries()).containsExactlyElementsOf(index.entries());
    assertThat(loaded.digest()).isEqualTo(index.digest());
    assertThat(loaded.pathsWithInode(12)).isEqualTo(index.pathsWithInode(12));
    try (Stream<Path> left = Files.list(file.getParent())) {
      assertThat(left).containsExactly(file);
    }
  }

  @Test
  void emptyIndexRoundTrips() throws IOException {
    Path file = tmp.resolve("index.bin");
    new Index().save(file);
    assertThat(Index.load(file).size()).isZero();
  }

  @Test
  void missingFileIsNoSuchFile() {
    assertThatThrownBy(() -> Index.load(tmp.resolve("absent"))).isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void everyTruncationIsRejectedNamingTheFile() throws IOException {
    Path file = tmp.resolve("index.bin");
    sample().save(file);
    byte[] bytes = Files.readAllBytes(file);
    Path cut = tmp.resolve("cut.bin");
    for (int length = 0; length < bytes.length; length++) {
      Files.write(cut, Arrays.copyOf(bytes, length));
      assertThatThrownBy(() -> Index.load(cut)).as("length " + length)
          .isInstanceOf(CorruptIndexException.class)
          .hasMessageContaining(cut.toString());
    }
  }

  @Test
  void everySingleBitFlipIsRejectedNamingTheFile() throws IOException {
    Path file = tmp.resolve("index.bin");
    sample().save(file);
    byte[] bytes = Files.readAllBytes(file);
    Path bad = tmp.resolve("bad.bin");
    for (int i = 0; i < bytes.length; i++) {
      byte[] copy = bytes.clone();
      copy[i] ^= (byte) (1 << (i % 8));
      Files.write(bad, copy);
      assertThatThrownBy(() -> Index.load(bad)).as("byte " + i)
          .isInstanceOf(CorruptIndexException.class)
          .hasMessageContaining(bad.toString());
    }
  }

  @Test
  void trailingGarbageIsRejected() throws IOException {
    Path file = tmp.resolve("index.bin");
    sample().save(file);
    Files.write(file, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
    assertThatThrownBy(() -> Index.load(file)).isInstanceOf(CorruptIndexException.class).hasMessageContaining("trailer");
  }

  @Test
  void otherFormatVersionIsRejectedWithBothVersions() throws IOException {
    Path file = tmp.resolve("index.bin");
    sample().save(file);
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer.wrap(bytes).putInt(4, 7);
    Files.write(file, bytes);
    assertThatThrownBy(() -> Index.load(file)).isInstanceOf(CorruptIndexException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("version 7").hasMessageContaining("version 1");
  }

  @Test
  void foreignFileIsRejected() throws IOException {
    Path file = tmp.resolve("index.bin");
    Files.writeString(file, "<?php echo 'hello';");
    assertThatThrownBy(() -> Index.load(file)).isInstanceOf(CorruptIndexException.class).hasMessageContaining("magic");
  }

  /** Larger than the loader's 64 KiB buffer: refills, and the CRC that spans them, are exercised. */
  @Test
  void anIndexLargerThanTheReadBufferRoundTripsAndAFlipPastTheFirstBufferIsCaught() throws IOException {
    Index big = new Index();
    for (int i = 0; i < 5000; i++) {
      big.put(file(String.format("wp-content/uploads/%04d/%02d/image-%05d.jpg", 2000 + i % 20, i % 12, i), i, i * 31L, 1000 + i));
    }
    Path path = tmp.resolve("big.bin");
    big.save(path);
    assertThat(Files.size(path)).isGreaterThan(3 << 16);

    Index loaded = Index.load(path);
    assertThat(loaded.entries()).containsExactlyElementsOf(big.entries());
    assertThat(loaded.digest()).isEqualTo(big.digest());

    byte[] bytes = Files.readAllBytes(path);
    bytes[(2 << 16) + 123] ^= 0x10;
    Files.write(path, bytes);
    assertThatThrownBy(() -> Index.load(path)).isInstanceOf(CorruptIndexException.class).hasMessageContaining(path.toString());
  }
}
