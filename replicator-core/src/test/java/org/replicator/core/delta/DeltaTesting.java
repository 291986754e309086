package org.replicator.core.delta;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.replicator.core.hash.ContentHasher;

/** Signs, diffs and patches byte arrays through the real streaming classes. */
final class DeltaTesting {
  private DeltaTesting() {}

  static Signature sign(byte[] content) {
    return new SignatureBuilder(content.length).update(content, 0, content.length).build(ContentHasher.of(content));
  }

  /** A delta as recorded instructions: {@code long[]{offset, length}} for copies, byte[] for literals. */
  static final class Recorded implements DeltaSink {
    final List<Object> steps = new ArrayList<>();
    long literalBytes;

    @Override
    public void copy(long basisOffset, long length) {
      steps.add(new long[] {basisOffset, length});
    }

    @Override
    public void literal(byte[] b, int off, int len) {
      steps.add(Arrays.copyOfRange(b, off, off + len));
      literalBytes += len;
    }
  }

  static DeltaBuilder.Result diff(Signature basis, byte[] target, Recorded into) throws IOException {
    return new DeltaBuilder(basis).build(Channels.newChannel(new java.io.ByteArrayInputStream(target)), target.length, into, true);
  }

  /** Applies recorded steps to {@code basis} (written to a temp file) with the real Patcher. */
  static byte[] patch(Path dir, byte[] basis, long targetSize, long targetHash, Recorded delta)
      throws IOException, DeltaException {
    Path file = Files.createTempFile(dir, "basis", ".bin");
    Files.write(file, basis);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (BasisSource source = new BasisSource(FileChannel.open(file, StandardOpenOption.READ))) {
      Patcher patcher = new Patcher(source, targetSize, Channels.newChannel(out));
      for (Object step : delta.steps) {
        if (step instanceof long[] copy) {
          patcher.copy(copy[0], copy[1]);
        } else {
          byte[] lit = (byte[]) step;
          patcher.literal(lit, 0, lit.length);
        }
      }
      patcher.finish(targetHash);
    } finally {
      Files.delete(file);
    }
    return out.toByteArray();
  }

  static ByteBuffer wrap(byte[] b) {
    return ByteBuffer.wrap(b);
  }
}
