package org.replicator.core.apply;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import org.replicator.core.apply.ApplyException.Kind;
import org.replicator.core.delta.BasisSource;
import org.replicator.core.delta.DeltaException;
import org.replicator.core.delta.ZeroPages;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.op.Op;

/**
 * {@link FileSink} writing a temp file in {@code .replicator/tmp}. Content streams straight to the
 * channel (only the hasher's 64 KiB block is buffered); zero runs become holes by moving the
 * position. The size is checked on every write, so a peer that sends more than it announced is
 * stopped before it can fill the disk.
 *
 * <p>Not thread safe; owned by the {@link Applier} thread.
 */
final class TempFileSink implements FileSink {
  /** The applier's half of a commit: rename into place and bookkeeping. */
  interface Installer {
    void install(Op.PutFile op, Path temp) throws ApplyException;

    /** True when a verified file is handed over with {@link #pending}, to be fsync'd on a pool and installed later, in order. */
    boolean syncsInParallel();

    /** Parallel mode: the temp file is verified; the installer owns {@code channel} now, fsyncs and closes it. */
    void pending(TempFileSink sink, Op.PutFile op, Path temp, FileChannel channel);

    void closed(TempFileSink sink);
  }

  private static final String OP = "PutFile";

  private final Op.PutFile op;
  private final Path temp;
  private final FileChannel channel;
  private final MetadataWriter metadata;
  private final boolean fsync;
  private final Installer installer;
  private final ContentHasher hasher = new ContentHasher();
  private final BasisSource basis; // null for a whole-file put
  /** A large patch's content goes to the disk with O_DIRECT (see {@link DirectTempWriter}); else null. */
  private DirectTempWriter direct;
  private long position;
  private boolean done;

  private TempFileSink(Op.PutFile op, Path temp, FileChannel channel, MetadataWriter metadata, boolean fsync,
      Installer installer, BasisSource basis) {
    this.op = op;
    this.basis = basis;
    this.temp = temp;
    this.channel = channel;
    this.metadata = metadata;
    this.fsync = fsync;
    this.installer = installer;
    // The applier opened the basis with O_DIRECT for a large patch (DirectTempWriter.MIN_BYTES):
    // the temp file follows it. Where the temp file cannot be, the basis goes back to the page
    // cache, since the buffered path's zero-page split needs heap buffers.
    if (basis != null && basis.readsDirect()) {
      this.direct = DirectTempWriter.open(temp);
      if (direct == null) {
        try {
          basis.readThroughPageCache();
        } catch (IOException e) {
          // Only a close of the O_DIRECT handle failed: the page-cache reads go on.
        }
      }
    }
  }

  /** True when this sink writes with O_DIRECT (tests: the path they mean to cover is the one taken). */
  boolean writesDirect() {
    return direct != null;
  }

  /** Opens the temp file; {@code basis} (owned from here on) is the open basis of a patch, else null. */
  static TempFileSink open(Op.PutFile op, Path temp, MetadataWriter metadata, boolean fsync, Installer installer,
      BasisSource basis) throws ApplyException {
    try {
      FileChannel channel = FileChannel.open(temp,
          java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
          PosixFilePermissions.asFileAttribute(MetadataWriter.permissions(0600)));
      return new TempFileSink(op, temp, channel, metadata, fsync, installer, basis);
    } catch (IOException e) {
      closeQuietly(basis);
      ApplyException failure = ApplyException.io(OP, op.path(), e, "old file kept");
      TempFiles.deleteQuietly(temp, failure);
      throw failure;
    }
  }

  static void closeQuietly(BasisSource basis) {
    if (basis != null) {
      try {
        basis.close();
      } catch (IOException e) {
        // A read-only channel: nothing of ours is lost if its close fails.
      }
    }
  }

  Path temp() {
    return temp;
  }

  @Override
  public void write(ByteBuffer data) throws ApplyException {
    checkOpen();
    int n = data.remaining();
    checkRoom(n);
    try {
      hasher.update(data.duplicate());
      if (direct != null) {
        direct.write(data);
      } else {
        while (data.hasRemaining()) {
          channel.write(data, position + (n - data.remaining()));
        }
      }
    } catch (IOException e) {
      throw fail(ApplyException.io(OP, op.path(), e, "old file kept"));
    }
    position += n;
  }

  @Override
  public void skipZeros(long n) throws ApplyException {
    checkOpen();
    if (n < 0) {
      throw fail(new ApplyException(Kind.POLICY, OP, op.path(), "negative zero run " + n + "; old file kept"));
    }
    checkRoom(n);
    hasher.updateZeros(n);
    if (direct != null) {
      try {
        direct.zeros(n);
      } catch (IOException e) {
        throw fail(ApplyException.io(OP, op.path(), e, "old file kept"));
      }
    }
    position += n; // positional writes: nothing touches the file for a hole
  }

  @Override
  public void copy(long offset, long length) throws ApplyException {
    checkOpen();
    if (basis == null) {
      throw fail(new ApplyException(Kind.BAD_DELTA, OP, op.path(), "a copy from a basis in a whole-file put; old file kept"));
    }
    checkRoom(length);
    try {
      basis.copy(offset, length, direct != null ? this::writeDirect : this::writeSkippingZeroPages);
    } catch (DeltaException e) {
      throw fail(new ApplyException(Kind.BAD_DELTA, OP, op.path(), e.getMessage() + "; old file kept"));
    } catch (IOException e) {
      throw fail(ApplyException.io(OP, op.path(), e, "old file kept"));
    }
  }

  /** Copied bytes of a large patch: hashed, then handed to the O_DIRECT writer as they are. */
  private void writeDirect(ByteBuffer bytes) throws IOException {
    hasher.update(bytes.duplicate());
    position += bytes.remaining();
    direct.write(bytes);
  }

  /** Copied bytes: all-zero pages stay holes (the temp file is new, so they already read as zeros). */
  private void writeSkippingZeroPages(ByteBuffer bytes) throws IOException {
    hasher.update(bytes.duplicate());
    ZeroPages.split(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining(), new ZeroPages.Sink() {
      @Override
      public void data(byte[] b, int off, int len) throws IOException {
        ByteBuffer part = ByteBuffer.wrap(b, off, len);
        while (part.hasRemaining()) {
          position += channel.write(part, position);
        }
      }

      @Override
      public void zeros(long length) {
        position += length; // positional writes: nothing touches the file for a hole
      }
    });
    bytes.position(bytes.limit());
  }

  @Override
  public void commit(long expectedHash) throws ApplyException {
    checkOpen();
    closeQuietly(basis);
    if (position != op.size()) {
      throw fail(new ApplyException(Kind.SIZE_MISMATCH, OP, op.path(),
          "size mismatch, announced " + op.size() + " bytes, received " + position + "; old file kept"));
    }
    long actual = hasher.finish();
    if (actual != expectedHash) {
      throw fail(new ApplyException(Kind.HASH_MISMATCH, OP, op.path(),
          "hash mismatch, expected " + hex(expectedHash) + " got " + hex(actual) + "; old file kept"));
    }
    try {
      if (direct != null) {
        direct.finish(); // the tail, padded to the alignment: cut back to the real size
        direct = null;
        channel.truncate(op.size());
      }
      extendToSize();
      metadata.apply(temp, op.meta(), false);
      if (fsync && installer.syncsInParallel()) {
        // fsyncs of many files in flight at once share the journal's commits (about 4x the
        // throughput of one at a time here); the applier renames them in order afterwards.
        done = true;
        installer.pending(this, op, temp, channel);
        return;
      }
      if (fsync) {
        channel.force(true);
      }
      channel.close();
    } catch (IOException e) {
      throw fail(ApplyException.io(OP, op.path(), e, "old file kept"));
    }
    try {
      installer.install(op, temp);
    } catch (ApplyException e) {
      throw fail(e);
    }
    done = true;
    installer.closed(this);
  }

  @Override
  public void abort() {
    if (done) {
      return;
    }
    done = true;
    closeQuietly(basis);
    if (direct != null) {
      try {
        direct.close();
      } catch (IOException e) {
        // Thrown away with the temp file below.
      }
    }
    try {
      channel.close();
    } catch (IOException e) {
      // Nothing to keep from a sink being thrown away; the delete below is what matters.
    }
    try {
      TempFiles.deleteTree(temp);
    } catch (IOException e) {
      // abort() never throws by contract; a leftover is removed by the next Applier.start().
    }
    installer.closed(this);
  }

  /** A file that ends in a hole is shorter than its size until its length is set. */
  private void extendToSize() throws IOException {
    if (channel.size() >= op.size()) {
      return;
    }
    if (temp.getFileSystem() == FileSystems.getDefault()) {
      // ftruncate up: the tail stays a hole. FileChannel.truncate can only shrink.
      try (RandomAccessFile file = new RandomAccessFile(temp.toFile(), "rw")) {
        file.setLength(op.size());
      }
    } else {
      channel.write(ByteBuffer.wrap(new byte[1]), op.size() - 1);
    }
  }

  private void checkRoom(long n) throws ApplyException {
    if (n > op.size() - position) {
      throw fail(new ApplyException(Kind.SIZE_MISMATCH, OP, op.path(),
          "size mismatch, announced " + op.size() + " bytes, received at least " + (position + n) + "; old file kept"));
    }
  }

  private void checkOpen() {
    if (done) {
      throw new IllegalStateException("sink for " + op.path() + " is already committed or aborted");
    }
  }

  private ApplyException fail(ApplyException e) {
    abort();
    return e;
  }

  static String hex(long value) {
    return String.format(Locale.ROOT, "0x%016x", value);
  }
}
