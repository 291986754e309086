package org.replicator.core.plan;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.replicator.core.delta.SignatureBuilder;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.scan.Scanner;

/**
 * Reads a file only if it is at rest: its stat (type, size, mtime, ctime, inode) is the same
 * before and after the read. A file that changes under us is reported as not at rest, and the
 * caller tries again in a later batch: we never ship a version the master did not hold.
 *
 * <p>A large file is stat'ed again every {@link #RECHECK_BYTES} of the read: once its stat differs
 * from the one the read started from, the final check cannot pass either (ctime only moves
 * forward), so the read stops there instead of hashing and signing the rest for nothing. An
 * editor's save of a 1 GiB file through a temp file cost the planner a whole pass over the temp
 * file while it was still being written (issue 16, docs/benchmarks.md).
 *
 * <p>Not thread safe: owned by its planner (it reuses one hasher and one read buffer).
 */
final class AtRestReader {
  private final Path root;
  private final Scanner scanner;
  /** Reused for every file: an overflow rescan reads thousands of small files in a row. */
  private final ContentHasher hasher = new ContentHasher();
  private final ByteBuffer block = ByteBuffer.allocate(ContentHasher.BLOCK);
  /** Bytes between two stats of a streamed read; tests make it small. */
  private final long recheckBytes;
  private long lastReadBytes;

  /** One stat per 32 MiB: about 30 per GiB, nothing next to reading it. */
  static final long RECHECK_BYTES = 32L << 20;

  AtRestReader(Path root, Scanner scanner) {
    this(root, scanner, RECHECK_BYTES);
  }

  AtRestReader(Path root, Scanner scanner, long recheckBytes) {
    this.root = root;
    this.scanner = scanner;
    this.recheckBytes = recheckBytes;
  }

  /** Bytes the last {@code read} took from the file, also when it found the file not at rest. */
  long lastReadBytes() {
    return lastReadBytes;
  }

  /** The file's stat with its hash filled, and its bytes when {@code keepBytes}; null when not at rest. */
  Read read(String path, Entry before, boolean keepBytes) throws IOException {
    return read(path, before, keepBytes, null);
  }

  /** As {@link #read(String, Entry, boolean)}, also feeding every byte read to {@code signer} when not null. */
  Read read(String path, Entry before, boolean keepBytes, SignatureBuilder signer) throws IOException {
    Path file = root.resolve(path);
    hasher.reset();
    lastReadBytes = 0;
    byte[] bytes = keepBytes ? new byte[(int) before.size()] : null;
    ByteBuffer buffer = keepBytes ? ByteBuffer.wrap(bytes) : block.clear();
    try (SeekableByteChannel channel =
        Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      long total = 0;
      long recheckAt = recheckBytes;
      while (true) {
        if (keepBytes && !buffer.hasRemaining()) {
          // Grew past the size we saw: not at rest. Probe one byte to tell.
          if (channel.read(ByteBuffer.allocate(1)) > 0) {
            return null;
          }
          break;
        }
        int n = channel.read(buffer);
        if (n < 0) {
          break;
        }
        if (total + n > before.size()) {
          return null; // grew while read: not at rest (and the signer must not see more than it was sized for)
        }
        total += n;
        lastReadBytes = total;
        if (!keepBytes && total >= recheckAt && total < before.size()) {
          recheckAt = total + recheckBytes;
          if (!atRest(path, before)) {
            return null; // written meanwhile: the check after the read would refuse it anyway
          }
        }
        if (!keepBytes) {
          if (signer != null) {
            signer.update(buffer.array(), 0, buffer.position());
          }
          buffer.flip();
          hasher.update(buffer);
          buffer.clear();
        }
      }
      if (total != before.size()) {
        return null;
      }
    }
    if (keepBytes) {
      hasher.update(bytes, 0, bytes.length);
      if (signer != null) {
        signer.update(bytes, 0, bytes.length);
      }
    }
    Entry after = scanner.stat(path);
    if (after == null || after.type() != EntryType.FILE || !after.sameStat(before)) {
      return null;
    }
    return new Read(after.withHash(hasher.finish()), bytes);
  }

  private boolean atRest(String path, Entry before) throws IOException {
    Entry now = scanner.stat(path);
    return now != null && now.type() == EntryType.FILE && now.sameStat(before);
  }

  record Read(Entry entry, byte[] bytes) {}
}
