package org.replicator.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.replicator.core.apply.Applier;
import org.replicator.core.apply.ApplierOptions;
import org.replicator.core.apply.ApplyListener;
import org.replicator.core.apply.FileSink;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;

/**
 * Durable small-file puts per second on a slave: batches of 50 new files of {@code
 * bytes} each into one directory, every file fsync'd before its rename (parallel on {@code
 * syncThreads} threads, as SlaveAgent runs it), directory fsyncs once per group of 10 batches (the
 * group commit). What an overflow storm or a plugin upload costs each slave. Real disk I/O: run it
 * on the docroot's file system ({@code -Djava.io.tmpdir}) and compare runs side by side.
 *
 * <pre>
 * mvn -Pbench -DskipTests -pl replicator-bench -am package
 * java -jar replicator-bench/target/benchmarks.jar ApplierBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class ApplierBenchmark {
  private static final int BATCHES_PER_INVOCATION = 10;
  private static final int BATCH = 50;

  @Param({"0", "4096"})
  public int bytes;

  @Param({"32"})
  public int syncThreads;

  private Path root;
  private ExecutorService pool;
  private Applier applier;
  private byte[] content;
  private long hash;
  private Meta meta;
  private long seq;
  private long file;
  private String dir;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    root = Files.createTempDirectory("applier-bench");
    pool = Executors.newFixedThreadPool(syncThreads);
    applier = new Applier(root, new ApplierOptions(true, false, true), ApplyListener.NONE);
    applier.syncInParallel(pool);
    applier.start();
    content = new byte[bytes];
    new java.util.Random(1).nextBytes(content);
    hash = ContentHasher.of(content);
    meta = new Meta(0644, 1_700_000_000_000_000_000L, Meta.NO_OWNER, Meta.NO_OWNER);
  }

  /** A fresh directory per iteration: ext4 directories slow down past some hundred thousand entries. */
  @Setup(Level.Iteration)
  public void newDirectory() throws Exception {
    dir = "d" + seq;
    applier.beginBatch(++seq);
    applier.apply(new Op.Mkdir(dir, new Meta(0755, 1_700_000_000_000_000_000L, Meta.NO_OWNER, Meta.NO_OWNER)));
    applier.endBatch(seq);
  }

  @Benchmark
  @OperationsPerInvocation(BATCHES_PER_INVOCATION * BATCH)
  public void putSmallFiles() throws Exception {
    for (int b = 0; b < BATCHES_PER_INVOCATION; b++) {
      long s = ++seq;
      applier.beginBatch(s);
      for (int i = 0; i < BATCH; i++) {
        FileSink sink = applier.beginPut(new Op.PutFile(dir + "/f" + (file++), bytes, meta));
        if (bytes > 0) {
          sink.write(ByteBuffer.wrap(content));
        }
        sink.commit(hash);
      }
      applier.endBatchDeferringSync(s);
    }
    applier.syncDirectories();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    applier.close();
    pool.shutdownNow();
    try (var paths = Files.walk(root)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
