package org.replicator.core.delta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.testing.Seeds;

/**
 * Delta application against generated deltas, most of them hostile (ranges outside the basis,
 * negative or overflowing offsets and lengths, more or fewer bytes than declared, a wrong hash),
 * 100,000 per run in CI; {@code -Dtest.tries=N} runs longer. A reference model decides what each
 * delta should produce: the patcher must produce exactly that and accept it, or refuse the delta
 * with {@link DeltaException}, never write a byte it was not asked for, never read outside the
 * basis, and never fail any other way.
 */
class PatcherFuzzTest {
  @TempDir Path dir;

  private record Op(long offset, long length, byte[] literal) {}

  @Test
  void patcherAgreesWithTheModelOrRefuses() throws Exception {
    Random random = Seeds.random("patcherFuzz");
    int n = Seeds.tries(100_000);
    int succeeded = 0;
    int refused = 0;
    byte[] basis = null;
    BasisSource source = null;
    try {
      for (int i = 0; i < n; i++) {
        if (i % 2000 == 0) {
          if (source != null) {
            source.close();
          }
          basis = new byte[random.nextInt(3) == 0 ? 0 : 1 + random.nextInt(8192)];
          random.nextBytes(basis);
          Path file = dir.resolve("basis-" + i);
          Files.write(file, basis);
          source = new BasisSource(FileChannel.open(file, StandardOpenOption.READ));
        }
        if (applyOne(random, basis, source)) {
          succeeded++;
        } else {
          refused++;
        }
      }
    } finally {
      if (source != null) {
        source.close();
      }
    }
    assertThat(succeeded).as("valid deltas among the generated ones").isGreaterThan(n / 10);
    assertThat(refused).as("hostile deltas among the generated ones").isGreaterThan(n / 10);
  }

  /** True when the patch was accepted (and checked against the model), false when refused. */
  private static boolean applyOne(Random random, byte[] basis, BasisSource source) throws IOException {
    Op[] ops = new Op[random.nextInt(6)];
    for (int k = 0; k < ops.length; k++) {
      ops[k] = randomOp(random, basis.length);
    }
    byte[] model = model(basis, ops);
    long declared = model == null ? random.nextInt(20_000) : model.length + (random.nextInt(4) == 0 ? random.nextInt(3) - 1 : 0);
    long hash = model == null ? random.nextLong() : hashOf(model) ^ (random.nextInt(8) == 0 ? 1 : 0);
    boolean modelAccepts = model != null && declared == model.length && hash == hashOf(model);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Patcher patcher = new Patcher(source, declared, Channels.newChannel(out));
    try {
      for (Op op : ops) {
        if (op.literal() != null) {
          patcher.literal(op.literal(), 0, op.literal().length);
        } else {
          patcher.copy(op.offset(), op.length());
        }
        assertThat((long) out.size()).as("never more than declared").isLessThanOrEqualTo(Math.max(0, declared));
      }
      patcher.finish(hash);
    } catch (DeltaException refused) {
      if (modelAccepts) {
        fail("a valid delta was refused: " + refused.getMessage() + " ops=" + Arrays.toString(ops));
      }
      if (model != null) {
        byte[] got = out.toByteArray();
        assertThat(got).as("what was written is a prefix of the model's result")
            .isEqualTo(Arrays.copyOf(model, Math.min(model.length, got.length)));
      }
      return false;
    }
    assertThat(modelAccepts).as("the model refuses what the patcher accepted: ops=%s", Arrays.toString(ops)).isTrue();
    assertThat(out.toByteArray()).isEqualTo(model);
    return true;
  }

  private static Op randomOp(Random random, int basisSize) {
    switch (random.nextInt(8)) {
      case 0: {
        byte[] literal = new byte[1 + random.nextInt(300)];
        random.nextBytes(literal);
        return new Op(0, 0, literal);
      }
      case 1: // hostile: anything
        return new Op(hostile(random), hostile(random), null);
      case 2: // just past the end
        return new Op(Math.max(0, basisSize - random.nextInt(4)), 1 + random.nextInt(8), null);
      default: { // inside the basis when it has bytes
        if (basisSize == 0) {
          return new Op(0, 1, null);
        }
        long offset = random.nextInt(basisSize);
        return new Op(offset, 1 + random.nextInt((int) (basisSize - offset)), null);
      }
    }
  }

  private static long hostile(Random random) {
    long[] edges = {-1, 0, 1, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE, 1L << 40, -4096};
    return random.nextBoolean() ? edges[random.nextInt(edges.length)] : random.nextLong();
  }

  /** What the ops produce, or null when one of them is outside the basis or an empty range. */
  private static byte[] model(byte[] basis, Op[] ops) {
    ByteArrayOutputStream result = new ByteArrayOutputStream();
    for (Op op : ops) {
      if (op.literal() != null) {
        result.writeBytes(op.literal());
        continue;
      }
      long off = op.offset();
      long len = op.length();
      if (off < 0 || len < 1 || off > basis.length || len > basis.length - off) {
        return null;
      }
      result.write(basis, (int) off, (int) len);
    }
    return result.toByteArray();
  }

  private static long hashOf(byte[] bytes) {
    ContentHasher h = new ContentHasher();
    h.update(java.nio.ByteBuffer.wrap(bytes));
    return h.finish();
  }
}
