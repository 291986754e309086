package org.replicator.core.delta;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import net.openhft.hashing.LongHashFunction;

/**
 * On-disk form of a {@link Signature}, little-endian:
 *
 * <pre>
 *   "RSIG" · u8 version=1 · u32 blockSize · u64 fileSize · u64 contentHash · u32 blockCount
 *   · blockCount × i32 weak · blockCount × i64 strong · u64 XXH3 of everything before it
 * </pre>
 *
 * A file that is short, too long, of another version, inconsistent (count against size and block
 * size) or fails its checksum reads as absent: a signature is a cache, and losing one only costs a
 * whole-file transfer. Sizes are checked against the file's length before anything is allocated.
 */
final class SignatureFile {
  private static final int MAGIC = 0x47495352; // "RSIG" little-endian
  private static final int VERSION = 1;
  private static final int HEADER = 4 + 1 + 4 + 8 + 8 + 4;
  private static final LongHashFunction XX3 = LongHashFunction.xx3();

  private SignatureFile() {}

  static byte[] encode(Signature sig) {
    int count = sig.blockCount();
    ByteBuffer b = ByteBuffer.allocate(HEADER + 12 * count + 8).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).put((byte) VERSION).putInt(sig.blockSize()).putLong(sig.fileSize()).putLong(sig.contentHash()).putInt(count);
    for (int i = 0; i < count; i++) {
      b.putInt(sig.weak(i));
    }
    for (int i = 0; i < count; i++) {
      b.putLong(sig.strong(i));
    }
    b.putLong(XX3.hashBytes(b.array(), 0, b.position()));
    return b.array();
  }

  /** The signature in {@code file}, or null when it is missing or not a valid signature file. */
  static Signature read(Path file, long expectedHash) throws IOException {
    byte[] bytes;
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      long length = ch.size();
      if (length < HEADER + 8 || length > Integer.MAX_VALUE - 64) {
        return null;
      }
      bytes = new byte[(int) length];
      ByteBuffer target = ByteBuffer.wrap(bytes);
      while (target.hasRemaining() && ch.read(target) >= 0) {
        // fill
      }
      if (target.hasRemaining()) {
        return null;
      }
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
    return decode(bytes, expectedHash);
  }

  static Signature decode(byte[] bytes, long expectedHash) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < HEADER + 8 || b.getInt() != MAGIC || b.get() != VERSION) {
      return null;
    }
    int blockSize = b.getInt();
    long fileSize = b.getLong();
    long hash = b.getLong();
    int count = b.getInt();
    if (!BlockSize.isValid(blockSize) || fileSize < 0 || hash != expectedHash
        || count < 0 || count != BlockSize.blockCount(fileSize, blockSize)
        || bytes.length != HEADER + 12L * count + 8) {
      return null;
    }
    if (XX3.hashBytes(bytes, 0, bytes.length - 8) != ByteBuffer.wrap(bytes, bytes.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong()) {
      return null;
    }
    int[] weak = new int[count];
    long[] strong = new long[count];
    for (int i = 0; i < count; i++) {
      weak[i] = b.getInt();
    }
    for (int i = 0; i < count; i++) {
      strong[i] = b.getLong();
    }
    return new Signature(fileSize, hash, blockSize, weak, strong);
  }

  static void write(Path file, Path temp, Signature sig) throws IOException {
    Files.write(temp, encode(sig));
    // No fsync: a signature lost in a crash only costs one whole-file transfer.
    Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
