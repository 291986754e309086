package org.replicator.core.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.hash.ContentHasher;

/**
 * {@link SignedDelta}: the delta from two signatures rebuilds the signed version, reads only the
 * blocks the signatures cannot settle, and refuses a target whose bytes read are not the signed
 * version's.
 */
class SignedDeltaTest {
  private static final int SIZE = 300 * 1024 + 123; // 1 KiB blocks, a short last block

  @TempDir Path dir;

  /** A target in memory, read positionally; counts the bytes read. */
  private static final class Reader implements SignedDelta.PositionalReader {
    byte[] content;
    long bytesRead;

    Reader(byte[] content) {
      this.content = content;
    }

    @Override
    public int read(ByteBuffer dst, long position) {
      if (position >= content.length) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), content.length - position);
      dst.put(content, (int) position, n);
      bytesRead += n;
      return n;
    }
  }

  @Test
  void anInPlaceEditReadsOnlyTheEditedBlockAndRebuildsTheTarget() throws Exception {
    byte[] basis = random(1, SIZE);
    byte[] target = basis.clone();
    for (int i = 0; i < 100; i++) {
      target[SIZE / 2 + i] ^= 0x5a;
    }
    Reader reader = new Reader(target);

    DeltaTesting.Recorded delta = new DeltaTesting.Recorded();
    DeltaBuilder.Result r = signed(basis, target).build(reader, delta);

    int block = BlockSize.forSize(SIZE);
    assertThat(reader.bytesRead).as("the edited block and the short last one read, not the file")
        .isEqualTo(block + SIZE % block);
    assertThat(r.literalBytes()).isEqualTo(block);
    assertThat(r.hash()).isEqualTo(ContentHasher.of(target));
    assertThat(DeltaTesting.patch(dir, basis, target.length, r.hash(), delta)).isEqualTo(target);
  }

  @Test
  void everyKindOfEditRebuildsTheTargetWithNoMoreLiteralThanTheWholeFileSearch() throws Exception {
    long seed = Long.getLong("test.seed", System.nanoTime());
    System.out.println("signedDelta seed=" + seed + " (replay with -Dtest.seed=" + seed + ")");
    Random random = new Random(seed);
    for (int round = 0; round < 40; round++) {
      byte[] basis = random(random.nextLong(), SIZE);
      byte[] target = edit(random, basis);
      Signature basisSig = DeltaTesting.sign(basis);
      Signature targetSig = DeltaTesting.sign(target);
      if (!SignedDelta.applies(basisSig, targetSig)) {
        continue;
      }
      DeltaTesting.Recorded delta = new DeltaTesting.Recorded();
      DeltaBuilder.Result r = new SignedDelta(new DeltaBuilder(basisSig), targetSig).build(new Reader(target), delta);
      DeltaTesting.Recorded whole = new DeltaTesting.Recorded();
      DeltaTesting.diff(basisSig, target, whole);

      assertThat(DeltaTesting.patch(dir, basis, target.length, r.hash(), delta)).as("seed %d round %d", seed, round)
          .isEqualTo(target);
      assertThat(r.literalBytes()).as("seed %d round %d", seed, round)
          .isLessThanOrEqualTo(whole.literalBytes + 2L * basisSig.blockSize());
    }
  }

  @Test
  void aReadByteThatIsNotTheSignedVersionsIsRefused() throws Exception {
    byte[] basis = random(2, SIZE);
    byte[] target = basis.clone();
    target[SIZE / 3] ^= 1;
    Reader reader = new Reader(target.clone());
    reader.content[SIZE / 3 + 1] ^= 1; // written again after it was planned and signed

    assertThatThrownBy(() -> signed(basis, target).build(reader, new DeltaTesting.Recorded()))
        .isInstanceOf(SignedDelta.ChangedException.class).hasMessageContaining("differs from the planned version");
  }

  @Test
  void aTargetThatShrankUnderTheReadIsRefused() throws Exception {
    byte[] basis = random(3, SIZE);
    byte[] target = Arrays.copyOf(basis, SIZE + 10);
    Reader reader = new Reader(Arrays.copyOf(target, SIZE + 3));

    assertThatThrownBy(() -> signed(basis, target).build(reader, new DeltaTesting.Recorded()))
        .isInstanceOf(SignedDelta.ChangedException.class);
  }

  @Test
  void aChangeInASkippedBlockStillYieldsExactlyTheSignedVersion() throws Exception {
    // The skipped blocks are copies of the slave's basis: what it builds is the version planned
    // (and verified by its hash), never a mix with a later write; that write has its own event.
    byte[] basis = random(4, SIZE);
    byte[] target = basis.clone();
    target[10] ^= 1;
    Reader reader = new Reader(target.clone());
    reader.content[SIZE - 5000] ^= 1;

    DeltaTesting.Recorded delta = new DeltaTesting.Recorded();
    DeltaBuilder.Result r = signed(basis, target).build(reader, delta);

    assertThat(DeltaTesting.patch(dir, basis, target.length, ContentHasher.of(target), delta)).isEqualTo(target);
    assertThat(r.hash()).isEqualTo(ContentHasher.of(target));
  }

  private static SignedDelta signed(byte[] basis, byte[] target) {
    return new SignedDelta(new DeltaBuilder(DeltaTesting.sign(basis)), DeltaTesting.sign(target));
  }

  private static byte[] edit(Random random, byte[] basis) {
    int at = random.nextInt(basis.length);
    switch (random.nextInt(5)) {
      case 0 -> { // overwrite
        byte[] t = basis.clone();
        int n = Math.min(basis.length - at, 1 + random.nextInt(5000));
        for (int i = 0; i < n; i++) {
          t[at + i] = (byte) random.nextInt();
        }
        return t;
      }
      case 1 -> { // append
        byte[] t = Arrays.copyOf(basis, basis.length + 1 + random.nextInt(5000));
        for (int i = basis.length; i < t.length; i++) {
          t[i] = (byte) random.nextInt();
        }
        return t;
      }
      case 2 -> { // insert
        int n = 1 + random.nextInt(300);
        byte[] t = new byte[basis.length + n];
        System.arraycopy(basis, 0, t, 0, at);
        System.arraycopy(basis, at, t, at + n, basis.length - at);
        return t;
      }
      case 3 -> { // delete
        int n = Math.min(basis.length - at, 1 + random.nextInt(3000));
        byte[] t = new byte[basis.length - n];
        System.arraycopy(basis, 0, t, 0, at);
        System.arraycopy(basis, at + n, t, at, basis.length - at - n);
        return t;
      }
      default -> { // a block moved to the front
        byte[] t = basis.clone();
        System.arraycopy(basis, basis.length / 2, t, 0, 4096);
        return t;
      }
    }
  }

  private static byte[] random(long seed, int size) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }
}
