package org.replicator.core.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link WriteBehind} on a real file: when it starts fsyncs, how many at once, and what a failed one does to the file. */
class WriteBehindTest {
  @TempDir Path dir;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
  }

  @Test
  void anFdatasyncStartsAtEveryThresholdOfWrittenBytesNotBefore() throws Exception {
    try (CountingChannel channel = new CountingChannel(open(), null)) {
      WriteBehind behind = new WriteBehind(pool, channel);

      behind.wrote(WriteBehind.EVERY_BYTES - 1);
      behind.finish();
      assertThat(channel.forces.get()).isZero();

      behind.wrote(1);
      behind.finish(); // waits for the one in flight
      assertThat(channel.forces.get()).isEqualTo(1);
    }
  }

  @Test
  void atMostOneFdatasyncIsInFlightPerFile() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (CountingChannel channel = new CountingChannel(open(), release)) {
      WriteBehind behind = new WriteBehind(pool, channel);
      for (int i = 0; i < 5; i++) {
        behind.wrote(WriteBehind.EVERY_BYTES);
      }
      release.countDown();
      behind.finish();
      assertThat(channel.forces.get()).isEqualTo(1);
    }
  }

  @Test
  void aFailedWriteBehindFdatasyncFailsTheFile() throws Exception {
    // Linux reports a write-back error to one fsync per open file: the final fsync may say nothing.
    try (CountingChannel channel = new CountingChannel(open(), null)) {
      channel.failForce = true;
      WriteBehind behind = new WriteBehind(pool, channel);
      behind.wrote(WriteBehind.EVERY_BYTES);

      assertThatThrownBy(behind::finish).isInstanceOf(IOException.class).hasMessageContaining("Input/output error");
    }
  }

  @Test
  void withoutAPoolNothingIsStarted() throws Exception {
    try (CountingChannel channel = new CountingChannel(open(), null)) {
      WriteBehind behind = new WriteBehind(null, channel);
      behind.wrote(10 * WriteBehind.EVERY_BYTES);
      behind.finish();
      assertThat(channel.forces.get()).isZero();
    }
  }

  @Test
  void aFileClosedUnderAnFdatasyncIsNotAFailure() throws Exception {
    CountingChannel channel = new CountingChannel(open(), null);
    channel.close(); // an aborted sink closes its channel whatever is in flight
    WriteBehind behind = new WriteBehind(pool, channel);
    behind.wrote(WriteBehind.EVERY_BYTES);
    behind.finish();
  }

  private FileChannel open() throws IOException {
    FileChannel ch = FileChannel.open(dir.resolve("t"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);
    return ch;
  }

  /** Forwards to a real channel; counts force calls, can hold them on a latch or fail them as a disk would. */
  private static final class CountingChannel extends FileChannel {
    final AtomicInteger forces = new AtomicInteger();
    private final FileChannel delegate;
    private final CountDownLatch hold;
    volatile boolean failForce;

    CountingChannel(FileChannel delegate, CountDownLatch hold) {
      this.delegate = delegate;
      this.hold = hold;
    }

    @Override
    public void force(boolean metaData) throws IOException {
      if (!isOpen()) {
        throw new java.nio.channels.ClosedChannelException();
      }
      if (hold != null) {
        try {
          hold.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException();
        }
      }
      if (failForce) {
        throw new IOException("Input/output error");
      }
      delegate.force(metaData);
      forces.incrementAndGet();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return delegate.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      return delegate.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      return delegate.write(srcs, offset, length);
    }

    @Override
    public long position() throws IOException {
      return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      delegate.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      delegate.truncate(size);
      return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
      return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
      return delegate.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return delegate.read(dst, position);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      return delegate.write(src, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
      return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      delegate.close();
    }
  }
}
