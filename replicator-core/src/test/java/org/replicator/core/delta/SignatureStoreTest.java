package org.replicator.core.delta;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignatureStoreTest {
  @TempDir Path dir;

  private static Signature sig(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return DeltaTesting.sign(b);
  }

  @Test
  void signatureSurvivesARestartOfTheStore() throws Exception {
    Signature s = sig(300_000, 1);
    new SignatureStore(dir, 1 << 20).put(s);
    SignatureStore again = new SignatureStore(dir, 1 << 20);
    Signature back = again.get(s.contentHash());
    assertThat(back).isNotNull();
    assertThat(back.blockCount()).isEqualTo(s.blockCount());
    for (int i = 0; i < s.blockCount(); i++) {
      assertThat(back.weak(i)).isEqualTo(s.weak(i));
      assertThat(back.strong(i)).isEqualTo(s.strong(i));
    }
    assertThat(again.get(s.contentHash() + 1)).isNull();
  }

  @Test
  void corruptOrTruncatedFileReadsAsAbsent() throws Exception {
    Signature s = sig(100_000, 2);
    new SignatureStore(dir, 0).put(s);
    Path file;
    try (Stream<Path> all = Files.walk(dir)) {
      file = all.filter(p -> p.toString().endsWith(".sig")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(file);
    bytes[40] ^= 1;
    Files.write(file, bytes);
    assertThat(new SignatureStore(dir, 0).get(s.contentHash())).as("flipped bit").isNull();
    Files.write(file, java.util.Arrays.copyOf(bytes, 30));
    assertThat(new SignatureStore(dir, 0).get(s.contentHash())).as("truncated").isNull();
    Files.write(file, new byte[0]);
    assertThat(new SignatureStore(dir, 0).get(s.contentHash())).as("empty").isNull();
  }

  @Test
  void retainOnlyRemovesSignaturesNoFileHasAnyMore() throws Exception {
    SignatureStore store = new SignatureStore(dir, 1 << 20);
    Signature keep = sig(50_000, 3);
    Signature drop = sig(50_000, 4);
    store.put(keep);
    store.put(drop);
    assertThat(store.retainOnly(h -> h == keep.contentHash())).isEqualTo(1);
    assertThat(store.contains(keep.contentHash())).isTrue();
    assertThat(store.contains(drop.contentHash())).isFalse();
    assertThat(store.get(drop.contentHash())).isNull();
  }

  @Test
  void memoryCacheStaysUnderItsBoundAndFallsBackToDisk() throws Exception {
    SignatureStore store = new SignatureStore(dir, 20_000);
    Signature[] all = new Signature[10];
    for (int i = 0; i < all.length; i++) {
      all[i] = sig(1_000_000, 10 + i); // ~1000 blocks, ~12 KB each: only one fits in the cache
      store.put(all[i]);
    }
    for (Signature s : all) {
      assertThat(store.get(s.contentHash())).isNotNull();
    }
  }

  @Test
  void blockSizeGrowsWithTheFileWithinItsBounds() {
    assertThat(BlockSize.forSize(0)).isEqualTo(BlockSize.MIN);
    assertThat(BlockSize.forSize(64L << 20)).isEqualTo(1024);
    assertThat(BlockSize.forSize(1L << 30)).isEqualTo(8192);
    assertThat(BlockSize.forSize((1L << 30) + 1)).isEqualTo(16384);
    assertThat(BlockSize.forSize(10L << 30)).isEqualTo(128 * 1024);
    assertThat(BlockSize.forSize(1L << 40)).isEqualTo(BlockSize.MAX);
    for (long size = 0; size < (1L << 36); size = size * 3 + 1) {
      int b = BlockSize.forSize(size);
      assertThat(BlockSize.isValid(b)).isTrue();
      assertThat(BlockSize.blockCount(size, b)).isLessThanOrEqualTo(Math.max(BlockSize.TARGET_BLOCKS, size / BlockSize.MAX + 1));
    }
  }
}
