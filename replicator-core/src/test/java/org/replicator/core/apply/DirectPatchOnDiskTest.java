package org.replicator.core.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.apply.ApplyException.Kind;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.testing.RecordingApplyListener;

/**
 * A patch of a file of {@link DirectTempWriter#MIN_BYTES} or more on the real disk, whose temp file
 * is written with O_DIRECT: the result is byte for byte the planned version (unaligned copies, a
 * literal, a zero run, a tail that is not a multiple of the alignment), and a basis altered after
 * the patch was planned is refused by the hash check, with the old file kept and no temp file left.
 */
class DirectPatchOnDiskTest {
  private static final Meta FILE = new Meta(0644, 1_700_000_000_123_456_789L, Meta.NO_OWNER, Meta.NO_OWNER);
  private static final int SIZE = (int) DirectTempWriter.MIN_BYTES + 12_345;

  @TempDir Path base;
  private Path root;
  private Applier applier;
  private long seq;
  private byte[] old;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectory(base.resolve("www"));
    old = new byte[SIZE];
    new Random(16).nextBytes(old);
    Files.write(root.resolve("db.sql"), old);
    applier = new Applier(root, new ApplierOptions(true, false, true), new RecordingApplyListener());
    applier.start();
  }

  @AfterEach
  void tearDown() {
    applier.close();
  }

  @Test
  void largePatchWrittenWithODirectIsExactlyThePlannedVersion() throws Exception {
    // One byte inserted at 10 %: everything after it lands one byte off the alignment.
    int at = SIZE / 10;
    byte[] literal = {1, 2, 3};
    byte[] expected = concat(Arrays.copyOfRange(old, 0, at), literal, new byte[70_000], Arrays.copyOfRange(old, at, SIZE));

    applier.beginBatch(++seq);
    FileSink sink = applier.beginPut(patch(expected));
    assumeDirect(sink);
    sink.copy(0, at);
    sink.write(ByteBuffer.wrap(literal));
    sink.skipZeros(70_000);
    sink.copy(at, SIZE - at);
    sink.commit(ContentHasher.of(expected));
    applier.endBatch(seq);

    assertThat(Files.size(root.resolve("db.sql"))).isEqualTo(expected.length);
    assertThat(Arrays.equals(Files.readAllBytes(root.resolve("db.sql")), expected)).as("content").isTrue();
    assertNoTempFileLeft();
  }

  @Test
  void aZeroRunOfALargePatchStaysAHole() throws Exception {
    int at = 3 * 4096 + 100; // the run starts off the alignment: its aligned blocks become the hole
    int run = 8 << 20;
    byte[] expected = concat(Arrays.copyOfRange(old, 0, at), new byte[run], Arrays.copyOfRange(old, at, SIZE));

    applier.beginBatch(++seq);
    FileSink sink = applier.beginPut(patch(expected));
    assumeDirect(sink);
    sink.copy(0, at);
    sink.skipZeros(run);
    sink.copy(at, SIZE - at);
    sink.commit(ContentHasher.of(expected));
    applier.endBatch(seq);

    Path file = root.resolve("db.sql");
    assertThat(Arrays.equals(Files.readAllBytes(file), expected)).as("content").isTrue();
    // What a sparse file costs on the slave's disk: about its data, not its size.
    assertThat(allocatedBytes(file)).isLessThan(expected.length - run + (1L << 20));
  }

  @Test
  void theHolesOfASparseOldVersionStayHolesWhenTheyAreCopied() throws Exception {
    // The slave's old version: 1 MiB of data, a hole to SIZE - 1 MiB, 1 MiB of data.
    Path file = root.resolve("db.sql");
    Files.delete(file);
    byte[] head = Arrays.copyOfRange(old, 0, 1 << 20);
    byte[] tail = Arrays.copyOfRange(old, SIZE - (1 << 20), SIZE);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.write(head);
      f.seek(SIZE - (1 << 20));
      f.write(tail);
    }
    old = Files.readAllBytes(file);
    assertThat(allocatedBytes(file)).as("the test's own sparse file").isLessThan(4L << 20);
    byte[] expected = old.clone();
    expected[10] ^= 1; // an edit in the data; the hole is copied unchanged

    applier.beginBatch(++seq);
    FileSink sink = applier.beginPut(patch(expected));
    assumeDirect(sink);
    sink.copy(0, 10);
    sink.write(ByteBuffer.wrap(expected, 10, 1));
    sink.copy(11, SIZE - 11);
    sink.commit(ContentHasher.of(expected));
    applier.endBatch(seq);

    assertThat(Arrays.equals(Files.readAllBytes(file), expected)).as("content").isTrue();
    assertThat(allocatedBytes(file)).as("bytes allocated for 2 MiB of data").isLessThan(4L << 20);
  }

  /** st_blocks × 512, from coreutils' stat: Java has no call for it. */
  private static long allocatedBytes(Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("stat", "-c", "%b", file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.waitFor()).as(out).isZero();
    return Long.parseLong(out) * 512;
  }

  @Test
  void basisAlteredAfterPlanningIsRefusedAndTheOldFileKept() throws Exception {
    byte[] expected = old.clone();
    expected[SIZE / 2] ^= 1; // the planned version: one byte changed
    applier.beginBatch(++seq);
    FileSink sink = applier.beginPut(patch(expected));
    assumeDirect(sink);
    // Something writes the slave's copy between the plan and the copy of its unchanged ranges.
    try (RandomAccessFile file = new RandomAccessFile(root.resolve("db.sql").toFile(), "rw")) {
      file.seek(SIZE / 4);
      file.write(0xff - (old[SIZE / 4] & 0xff));
    }
    byte[] altered = Files.readAllBytes(root.resolve("db.sql"));
    sink.copy(0, SIZE / 2);
    sink.write(ByteBuffer.wrap(expected, SIZE / 2, 1));
    sink.copy(SIZE / 2 + 1, SIZE - SIZE / 2 - 1);

    assertThatThrownBy(() -> sink.commit(ContentHasher.of(expected)))
        .isInstanceOfSatisfying(ApplyException.class, e -> assertThat(e.kind()).isEqualTo(Kind.HASH_MISMATCH));
    applier.endBatch(seq);
    assertThat(Arrays.equals(Files.readAllBytes(root.resolve("db.sql")), altered)).as("the slave's file is left as it was").isTrue();
    assertNoTempFileLeft();
  }

  private Op.PutFile patch(byte[] target) {
    return new Op.PutFile("db.sql", target.length, FILE, new Op.Basis(ContentHasher.of(old), SIZE));
  }

  /** A file system without O_DIRECT takes the buffered path, covered elsewhere; in CI the direct path must run. */
  private static void assumeDirect(FileSink sink) {
    boolean direct = ((TempFileSink) sink).writesDirect();
    if (!"true".equals(System.getenv("CI"))) {
      Assumptions.assumeTrue(direct, "the test directory's file system refuses O_DIRECT");
    }
    assertThat(direct).as("O_DIRECT path taken").isTrue();
  }

  private void assertNoTempFileLeft() throws IOException {
    Path tmp = root.resolve(".replicator/tmp");
    if (Files.isDirectory(tmp)) {
      try (Stream<Path> files = Files.list(tmp)) {
        assertThat(files).isEmpty();
      }
    }
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
