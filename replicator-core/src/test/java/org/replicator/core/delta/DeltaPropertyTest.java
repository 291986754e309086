package org.replicator.core.delta;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.testing.Seeds;

/**
 * patch(basis, delta(basis, target)) == target for random edits of random files, and the delta's
 * next signature equals a fresh signature of the target. Seeded: {@code -Dtest.seed} replays a
 * failure, {@code -Dtest.tries} runs longer.
 */
class DeltaPropertyTest {
  @TempDir Path dir;

  private enum Edit { INSERT, DELETE, OVERWRITE, APPEND, TRUNCATE, PREPEND, BLOCK_BOUNDARY, IDENTICAL, EMPTY_TARGET, EMPTY_BASIS, SHUFFLE }

  @Test
  void patchOfDeltaReproducesTheTargetForRandomEdits() throws Exception {
    Random random = Seeds.random("patchOfDeltaReproducesTheTargetForRandomEdits");
    int tries = Seeds.tries(400);
    for (int t = 0; t < tries; t++) {
      byte[] basis = randomFile(random);
      byte[] target = basis;
      int edits = 1 + random.nextInt(4);
      StringBuilder what = new StringBuilder();
      for (int e = 0; e < edits; e++) {
        Edit edit = Edit.values()[random.nextInt(Edit.values().length)];
        what.append(edit).append(' ');
        target = apply(edit, target, random);
      }
      if (what.indexOf("EMPTY_BASIS") >= 0) {
        basis = new byte[0];
      }
      roundTrip(basis, target, "try " + t + ": " + what);
    }
  }

  @Test
  void identicalFileIsOneCopyAndNoLiteral() throws Exception {
    byte[] basis = new byte[3 * 1024 * 1024 + 17];
    new Random(1).nextBytes(basis);
    DeltaTesting.Recorded delta = roundTrip(basis, basis, "identical");
    assertThat(delta.literalBytes).isZero();
    assertThat(delta.steps).hasSize(1);
  }

  @Test
  void oneByteInsertedShiftsEverythingButCostsAboutOneBlock() throws Exception {
    byte[] basis = new byte[8 * 1024 * 1024];
    new Random(2).nextBytes(basis);
    byte[] target = new byte[basis.length + 1];
    int at = basis.length / 10;
    System.arraycopy(basis, 0, target, 0, at);
    target[at] = 42;
    System.arraycopy(basis, at, target, at + 1, basis.length - at);
    DeltaTesting.Recorded delta = roundTrip(basis, target, "insert");
    assertThat(delta.literalBytes).isLessThanOrEqualTo(BlockSize.forSize(basis.length) + 1L);
  }

  @Test
  void appendCostsTheAppendedBytesOnly() throws Exception {
    byte[] basis = new byte[4 * 1024 * 1024 + 100];
    new Random(3).nextBytes(basis);
    byte[] target = Arrays.copyOf(basis, basis.length + 65536);
    byte[] tail = new byte[65536];
    new Random(5).nextBytes(tail);
    System.arraycopy(tail, 0, target, basis.length, tail.length);
    DeltaTesting.Recorded delta = roundTrip(basis, target, "append");
    // The basis's short last block is re-sent with the append: at most one block more.
    assertThat(delta.literalBytes).isLessThanOrEqualTo(65536L + BlockSize.forSize(basis.length));
  }

  @Test
  void longZeroRunsTheBasisLacksAreLiteralAndExact() throws Exception {
    byte[] basis = new byte[1 << 20];
    new Random(6).nextBytes(basis);
    byte[] target = new byte[24 << 20]; // a sparse-looking file: zeros, with some of the basis inside
    System.arraycopy(basis, 0, target, 5_000_001, basis.length);
    target[target.length - 1] = 9;
    DeltaTesting.Recorded delta = roundTrip(basis, target, "zero runs");
    assertThat(delta.literalBytes).isGreaterThan(20L << 20).isLessThan(24L << 20);
  }

  @Test
  void emptyToEmptyAndEmptyToSomething() throws Exception {
    roundTrip(new byte[0], new byte[0], "empty");
    roundTrip(new byte[0], new byte[] {1, 2, 3}, "from empty");
    roundTrip(new byte[] {1, 2, 3}, new byte[0], "to empty");
  }

  private DeltaTesting.Recorded roundTrip(byte[] basis, byte[] target, String what) throws Exception {
    Signature sig = DeltaTesting.sign(basis);
    DeltaTesting.Recorded delta = new DeltaTesting.Recorded();
    DeltaBuilder.Result result = DeltaTesting.diff(sig, target, delta);
    long hash = ContentHasher.of(target);
    assertThat(result.hash()).as(what).isEqualTo(hash);
    assertThat(result.size()).as(what).isEqualTo(target.length);
    byte[] patched = DeltaTesting.patch(dir, basis, target.length, hash, delta);
    assertThat(Arrays.equals(patched, target)).as(what + ": patched content equals the target").isTrue();
    Signature fresh = DeltaTesting.sign(target);
    Signature next = result.next();
    assertThat(next.blockCount()).as(what).isEqualTo(fresh.blockCount());
    for (int i = 0; i < fresh.blockCount(); i++) {
      assertThat(next.weak(i)).as(what + " weak " + i).isEqualTo(fresh.weak(i));
      assertThat(next.strong(i)).as(what + " strong " + i).isEqualTo(fresh.strong(i));
    }
    return delta;
  }

  /** Sizes around block boundaries, with repeated regions and zero runs so blocks recur. */
  private static byte[] randomFile(Random random) {
    int size;
    switch (random.nextInt(5)) {
      case 0 -> size = random.nextInt(64);
      case 1 -> size = 1024 * (1 + random.nextInt(8)) + random.nextInt(3) - 1;
      case 2 -> size = random.nextInt(300_000);
      case 3 -> size = 140_000_000 / 1000 + random.nextInt(1 << 20);
      default -> size = random.nextInt(20_000);
    }
    byte[] b = new byte[size];
    random.nextBytes(b);
    if (size > 4096 && random.nextBoolean()) {
      int from = random.nextInt(size - 2048);
      int to = random.nextInt(size - 2048);
      System.arraycopy(b, from, b, to, 2048); // a repeated run
    }
    if (size > 8192 && random.nextBoolean()) {
      int from = random.nextInt(size - 4096);
      Arrays.fill(b, from, from + 4096, (byte) 0); // a zero page
    }
    return b;
  }

  private static byte[] apply(Edit edit, byte[] b, Random random) {
    int n = b.length;
    switch (edit) {
      case INSERT: {
        int at = random.nextInt(n + 1);
        byte[] ins = bytes(random, 1 + random.nextInt(random.nextBoolean() ? 8 : 5000));
        return concat(Arrays.copyOfRange(b, 0, at), ins, Arrays.copyOfRange(b, at, n));
      }
      case DELETE: {
        if (n == 0) {
          return b;
        }
        int at = random.nextInt(n);
        int len = 1 + random.nextInt(Math.min(n - at, 5000));
        return concat(Arrays.copyOfRange(b, 0, at), new byte[0], Arrays.copyOfRange(b, at + len, n));
      }
      case OVERWRITE: {
        byte[] c = b.clone();
        if (n > 0) {
          int at = random.nextInt(n);
          int len = 1 + random.nextInt(Math.min(n - at, 4096));
          System.arraycopy(bytes(random, len), 0, c, at, len);
        }
        return c;
      }
      case APPEND:
        return concat(b, bytes(random, 1 + random.nextInt(70_000)), new byte[0]);
      case TRUNCATE:
        return n == 0 ? b : Arrays.copyOf(b, random.nextInt(n));
      case PREPEND:
        return concat(bytes(random, 1 + random.nextInt(3000)), b, new byte[0]);
      case BLOCK_BOUNDARY: {
        byte[] c = b.clone();
        int bs = BlockSize.forSize(n);
        if (n > bs) {
          int boundary = bs * (1 + random.nextInt(n / bs));
          for (int i = boundary - 1; i <= boundary && i < n; i++) {
            c[i] ^= (byte) 0x5a;
          }
        }
        return c;
      }
      case SHUFFLE: {
        if (n < 4) {
          return b;
        }
        int cut = random.nextInt(n);
        return concat(Arrays.copyOfRange(b, cut, n), Arrays.copyOfRange(b, 0, cut), new byte[0]);
      }
      case EMPTY_TARGET:
        return random.nextInt(4) == 0 ? new byte[0] : b;
      default:
        return b; // IDENTICAL, EMPTY_BASIS (handled by the caller)
    }
  }

  private static byte[] bytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b, byte[] c) {
    byte[] r = new byte[a.length + b.length + c.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    System.arraycopy(c, 0, r, a.length + b.length, c.length);
    return r;
  }
}
