package org.replicator.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.replicator.core.delta.BasisSource;
import org.replicator.core.delta.DeltaBuilder;
import org.replicator.core.delta.DeltaSink;
import org.replicator.core.delta.Patcher;
import org.replicator.core.delta.Signature;
import org.replicator.core.delta.SignatureBuilder;
import org.replicator.core.hash.ContentHasher;

/**
 * Signature, delta and patch throughput on one core, over an incompressible file of {@code
 * sizeMiB} with the three edits of the delta issue: 4 KiB changed in the middle, 64 KiB appended,
 * one byte inserted at 10 % (everything after it shifts). Scores are milliseconds per file:
 * throughput = size / score.
 *
 * <pre>
 * mvn -Pbench -DskipTests -pl replicator-bench -am package
 * java -jar replicator-bench/target/benchmarks.jar DeltaBenchmark -p sizeMiB=256
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
public class DeltaBenchmark {
  @Param({"256"})
  public int sizeMiB;

  @Param({"edit4k", "append64k", "insert1"})
  public String edit;

  private byte[] basis;
  private byte[] target;
  private Signature basisSignature;
  private DeltaBuilder builder;
  private Path basisFile;
  private Recorded recorded;
  private long targetHash;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    int size = sizeMiB << 20;
    basis = new byte[size];
    new Random(42).nextBytes(basis);
    target = switch (edit) {
      case "edit4k" -> {
        byte[] t = basis.clone();
        byte[] change = new byte[4096];
        new Random(7).nextBytes(change);
        System.arraycopy(change, 0, t, size / 2, change.length);
        yield t;
      }
      case "append64k" -> {
        byte[] t = java.util.Arrays.copyOf(basis, size + 65536);
        byte[] tail = new byte[65536];
        new Random(8).nextBytes(tail);
        System.arraycopy(tail, 0, t, size, tail.length);
        yield t;
      }
      case "insert1" -> {
        byte[] t = new byte[size + 1];
        int at = size / 10;
        System.arraycopy(basis, 0, t, 0, at);
        t[at] = 1;
        System.arraycopy(basis, at, t, at + 1, size - at);
        yield t;
      }
      default -> throw new IllegalArgumentException(edit);
    };
    basisSignature = new SignatureBuilder(size).update(basis, 0, size).build(ContentHasher.of(basis));
    builder = new DeltaBuilder(basisSignature);
    basisFile = Files.createTempFile("delta-bench", ".bin");
    Files.write(basisFile, basis);
    recorded = new Recorded();
    targetHash = builder.build(channel(target), target.length, recorded, false).hash();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    Files.deleteIfExists(basisFile);
  }

  /** Signature of the target (what the master computes when it plans a version). */
  @Benchmark
  public Signature signature() {
    return new SignatureBuilder(target.length).update(target, 0, target.length).build(0);
  }

  /** Delta of the target against the cached basis signature, with hashing of the target. */
  @Benchmark
  public DeltaBuilder.Result delta() throws IOException {
    return builder.build(channel(target), target.length, new Counting(), false);
  }

  /** Delta plus the target's own signature in the same pass (what the sender does). */
  @Benchmark
  public DeltaBuilder.Result deltaAndNextSignature() throws IOException {
    return builder.build(channel(target), target.length, new Counting(), true);
  }

  /** Patching the basis file (page cache) into a discarding channel, with result verification. */
  @Benchmark
  public long patch() throws Exception {
    Discard out = new Discard();
    try (BasisSource source = new BasisSource(FileChannel.open(basisFile, StandardOpenOption.READ))) {
      Patcher patcher = new Patcher(source, target.length, out);
      recorded.replay(patcher);
      patcher.finish(targetHash);
    }
    return out.bytes;
  }

  private static java.nio.channels.ReadableByteChannel channel(byte[] b) {
    return Channels.newChannel(new ByteArrayInputStream(b));
  }

  private static final class Counting implements DeltaSink {
    long bytes;

    @Override
    public void copy(long basisOffset, long length) {
      bytes += 16;
    }

    @Override
    public void literal(byte[] b, int off, int len) {
      bytes += len;
    }
  }

  private static final class Recorded implements DeltaSink {
    private final java.util.List<Object> steps = new java.util.ArrayList<>();

    @Override
    public void copy(long basisOffset, long length) {
      steps.add(new long[] {basisOffset, length});
    }

    @Override
    public void literal(byte[] b, int off, int len) {
      steps.add(java.util.Arrays.copyOfRange(b, off, off + len));
    }

    void replay(Patcher patcher) throws Exception {
      for (Object step : steps) {
        if (step instanceof long[] c) {
          patcher.copy(c[0], c[1]);
        } else {
          byte[] l = (byte[]) step;
          patcher.literal(l, 0, l.length);
        }
      }
    }
  }

  private static final class Discard implements WritableByteChannel {
    long bytes;

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      src.position(src.limit());
      bytes += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {}
  }
}
