package org.replicator.core.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.testing.ApplyInvariants;
import org.replicator.core.testing.RecordingApplyListener;

/**
 * Parallel-sync mode as the slave runs it (real disk, a real pool): when each file's fsync starts,
 * that no file is visible under its final name before the install that follows its fsync, and what
 * a failed fsync leaves. The rest of the applier's contract is {@link ApplierContractTest}.
 */
class ApplierParallelSyncTest {
  private static final Meta META = new Meta(0644, 1_700_000_000_123_456_789L, Meta.NO_OWNER, Meta.NO_OWNER);

  @TempDir Path base;
  private Path root;
  private final RecordingApplyListener listener = new RecordingApplyListener();
  private final CountingPool pool = new CountingPool(Executors.newFixedThreadPool(4));
  private Applier applier;
  private ApplyInvariants invariants;
  private long seq;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectories(base.resolve("www"));
    invariants = ApplyInvariants.watch(root, base);
    applier = new Applier(root, new ApplierOptions(true, false, true), listener);
    applier.syncInParallel(pool);
    applier.start();
  }

  @AfterEach
  void tearDown() throws IOException {
    applier.close();
    pool.shutdownNow();
    invariants.assertHeld();
  }

  @Test
  void smallFilesAreFsyncedTogetherWhenTheBatchEndsAndOnlyThenRenamed() throws Exception {
    applier.beginBatch(++seq);
    for (int i = 0; i < 3; i++) {
      put("f" + i + ".php", "<?php echo " + i + ";");
    }

    assertThat(pool.submitted.get()).as("fsyncs started before the batch ends").isZero();
    assertThat(root.resolve("f0.php")).as("visible before its fsync").doesNotExist();

    applier.endBatch(seq);

    assertThat(pool.submitted.get()).isEqualTo(3);
    for (int i = 0; i < 3; i++) {
      assertThat(root.resolve("f" + i + ".php")).hasContent("<?php echo " + i + ";");
    }
  }

  @Test
  void aFileOfOneMebibyteStartsItsFsyncAsSoonAsItIsVerified() throws Exception {
    byte[] big = new byte[(int) Applier.DEFERRED_SYNC_BELOW_BYTES];
    new java.util.Random(7).nextBytes(big);
    applier.beginBatch(++seq);
    FileSink sink = applier.beginPut(new Op.PutFile("big.bin", big.length, META));
    sink.write(ByteBuffer.wrap(big));
    sink.commit(ContentHasher.of(big));

    assertThat(pool.submitted.get()).isEqualTo(1);
    assertThat(root.resolve("big.bin")).doesNotExist();

    applier.endBatch(seq);
    assertThat(Files.readAllBytes(root.resolve("big.bin"))).isEqualTo(big);
  }

  @Test
  void theSixtyFifthPutInstallsTheSixtyFourBeforeIt() throws Exception {
    applier.beginBatch(++seq);
    for (int i = 0; i < 64; i++) {
      put("f" + i, "v" + i);
    }
    assertThat(root.resolve("f63")).doesNotExist();

    FileSink next = applier.beginPut(new Op.PutFile("f64", 3, META));

    assertThat(pool.submitted.get()).isEqualTo(64);
    assertThat(root.resolve("f0")).hasContent("v0");
    assertThat(root.resolve("f63")).hasContent("v63");
    next.write(ByteBuffer.wrap("v64".getBytes(StandardCharsets.UTF_8)));
    next.commit(ContentHasher.of("v64".getBytes(StandardCharsets.UTF_8)));
    applier.endBatch(seq);
    assertThat(root.resolve("f64")).hasContent("v64");
  }

  @Test
  void aPutWhoseFsyncCannotRunFailsAndKeepsTheOldFile() throws Exception {
    Files.writeString(root.resolve("a.php"), "old");
    applier.beginBatch(++seq);
    put("a.php", "new content");
    pool.shutdownNow(); // the fsync is deferred: it is refused at install time

    applier.endBatch(seq);

    assertThat(root.resolve("a.php")).hasContent("old");
    assertThat(listener.events()).contains("putFailed a.php IO");
    assertThat(ApplyInvariants.tempEntries(root)).isEmpty();
  }

  @Test
  void setMetaOfTheParentDoesNotWaitForThePendingPutsAndTheParentKeepsItsMtime() throws Exception {
    Files.createDirectories(root.resolve("d"));
    long dirMtime = 1_700_000_500_000_000_000L;
    applier.beginBatch(++seq);
    put("d/a.php", "<?php echo 1;");
    put("d/b.php", "<?php echo 2;");

    applier.apply(new Op.SetMeta("d", new Meta(0755, dirMtime, Meta.NO_OWNER, Meta.NO_OWNER)));

    assertThat(pool.submitted.get()).as("fsyncs waited for by the set-meta").isZero();
    assertThat(root.resolve("d/a.php")).as("visible before its fsync").doesNotExist();

    applier.endBatch(seq);

    assertThat(root.resolve("d/a.php")).hasContent("<?php echo 1;");
    assertThat(root.resolve("d/b.php")).hasContent("<?php echo 2;");
    // The installs after the set-meta bumped the directory's mtime: the batch's end sets it again.
    assertThat(mtimeNanos(root.resolve("d"))).isEqualTo(dirMtime);
  }

  @Test
  void setMetaOfAPendingPutInstallsItFirst() throws Exception {
    long fileMtime = 1_700_000_600_000_000_000L;
    applier.beginBatch(++seq);
    put("a.php", "<?php echo 1;");

    applier.apply(new Op.SetMeta("a.php", new Meta(0600, fileMtime, Meta.NO_OWNER, Meta.NO_OWNER)));

    assertThat(root.resolve("a.php")).as("installed before its set-meta").hasContent("<?php echo 1;");
    applier.endBatch(seq);
    assertThat(mtimeNanos(root.resolve("a.php"))).isEqualTo(fileMtime);
    assertThat(Files.getPosixFilePermissions(root.resolve("a.php"))).isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
  }

  @Test
  void setMetaThatMakesTheParentReadOnlyInstallsThePutsUnderItFirst() throws Exception {
    Files.createDirectories(root.resolve("d"));
    applier.beginBatch(++seq);
    put("d/a.php", "<?php echo 1;");

    applier.apply(new Op.SetMeta("d", new Meta(0555, 1_700_000_500_000_000_000L, Meta.NO_OWNER, Meta.NO_OWNER)));

    // In op order the file was created while the directory was still writable (a slave that is
    // not root could not create it afterwards).
    assertThat(root.resolve("d/a.php")).hasContent("<?php echo 1;");
    applier.endBatch(seq);
    Files.setPosixFilePermissions(root.resolve("d"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void touchedDirectoriesAreFsyncedOnThePoolAndAllOfThemBeforeTheBatchEnds() throws Exception {
    for (int i = 0; i < 5; i++) {
      Files.createDirectories(root.resolve("d" + i));
    }
    applier.beginBatch(++seq);
    for (int i = 0; i < 5; i++) {
      put("d" + i + "/a.php", "<?php echo " + i + ";");
    }

    applier.endBatch(seq);

    assertThat(pool.submitted.get()).as("5 files and their 5 directories").isEqualTo(10);
    assertThat(pool.finished.get()).as("every fsync finished when the batch ends").isEqualTo(10);
  }

  @Test
  void aDirectoryFsyncThatCannotRunFailsTheBatchAsNotDurable() throws Exception {
    Files.createDirectories(root.resolve("d0"));
    Files.createDirectories(root.resolve("d1"));
    applier.beginBatch(++seq);
    applier.apply(new Op.Mkdir("d0/x", new Meta(0755, 1_700_000_000_000_000_000L, Meta.NO_OWNER, Meta.NO_OWNER)));
    applier.apply(new Op.Mkdir("d1/x", new Meta(0755, 1_700_000_000_000_000_000L, Meta.NO_OWNER, Meta.NO_OWNER)));
    pool.shutdownNow();

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> applier.endBatch(seq))
        .isInstanceOf(ApplyException.class)
        .hasMessageContaining("d0")
        .hasMessageContaining("batch " + seq + " is not durable");
  }

  private static long mtimeNanos(Path path) throws IOException {
    java.time.Instant t = Files.getLastModifiedTime(path, java.nio.file.LinkOption.NOFOLLOW_LINKS).toInstant();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private void put(String path, String content) throws ApplyException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    FileSink sink = applier.beginPut(new Op.PutFile(path, bytes.length, META));
    sink.write(ByteBuffer.wrap(bytes));
    sink.commit(ContentHasher.of(bytes));
  }

  /** Counts the fsync tasks handed to the pool, and those finished. */
  private static final class CountingPool extends AbstractExecutorService {
    final AtomicInteger submitted = new AtomicInteger();
    final AtomicInteger finished = new AtomicInteger();
    private final ExecutorService delegate;

    CountingPool(ExecutorService delegate) {
      this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
      delegate.execute(task);
      submitted.incrementAndGet();
    }

    /** Counted inside the task, before its future completes: a caller that waited for it sees the count. */
    @Override
    protected <T> java.util.concurrent.RunnableFuture<T> newTaskFor(java.util.concurrent.Callable<T> callable) {
      return new java.util.concurrent.FutureTask<>(() -> {
        try {
          return callable.call();
        } finally {
          finished.incrementAndGet();
        }
      });
    }

    @Override
    public void shutdown() {
      delegate.shutdown();
    }

    @Override
    public java.util.List<Runnable> shutdownNow() {
      return delegate.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
      return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
      return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
      return delegate.awaitTermination(timeout, unit);
    }
  }
}
