package org.replicator.core.delta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;

/**
 * The master's signatures of the versions its slaves hold, on disk under the state dir and keyed
 * by {@link org.replicator.core.hash.ContentHasher} hash ({@code xx/xxxxxxxxxxxxxxxx.sig}). Keying
 * by content rather than by path means renames and directory moves cost nothing, identical files
 * share one signature, and the index's entry hash of a path is all it takes to find the basis of
 * its next change. {@link #retainOnly} removes signatures no indexed file has any more.
 *
 * <p>Memory is bounded: at most {@code cacheBytes} of recently used signatures stay in memory;
 * the rest are read back from disk when needed. A restart reads no file of the docroot: signatures
 * were written when their version was planned. Thread safe (the planner writes, senders read).
 */
public final class SignatureStore {
  private final Path dir;
  private final long cacheBytes;
  private final AtomicLong tempCounter = new AtomicLong();
  // Guarded by this.
  private final LinkedHashMap<Long, Signature> cache = new LinkedHashMap<>(64, 0.75f, true);
  private long cachedBytes;

  public SignatureStore(Path dir, long cacheBytes) throws IOException {
    this.dir = dir;
    this.cacheBytes = cacheBytes;
    Files.createDirectories(dir);
    Files.createDirectories(dir.resolve("tmp"));
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir.resolve("tmp"))) {
      for (Path p : leftovers) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** True when a signature for this content is stored (memory or disk). */
  public boolean contains(long contentHash) {
    synchronized (this) {
      if (cache.containsKey(contentHash)) {
        return true;
      }
    }
    return Files.isRegularFile(fileOf(contentHash));
  }

  /** The signature of this content, or null when none is stored or it is unreadable. */
  public Signature get(long contentHash) {
    synchronized (this) {
      Signature hit = cache.get(contentHash);
      if (hit != null) {
        return hit;
      }
    }
    Signature read;
    try {
      read = SignatureFile.read(fileOf(contentHash), contentHash);
    } catch (IOException e) {
      return null; // a cache: the caller sends the whole file instead
    }
    if (read != null) {
      remember(read);
    }
    return read;
  }

  /** Stores a signature (replacing nothing: same hash, same content). */
  public void put(Signature sig) throws IOException {
    Path file = fileOf(sig.contentHash());
    if (!Files.exists(file)) {
      Files.createDirectories(file.getParent());
      SignatureFile.write(file, dir.resolve("tmp").resolve(tempCounter.incrementAndGet() + ".sig"), sig);
    }
    remember(sig);
  }

  /** Deletes every stored signature whose hash {@code live} rejects; returns how many. */
  public int retainOnly(LongPredicate live) throws IOException {
    int removed = 0;
    try (DirectoryStream<Path> shards = Files.newDirectoryStream(dir, p -> p.getFileName().toString().length() == 2)) {
      for (Path shard : shards) {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(shard, "*.sig")) {
          for (Path f : files) {
            String name = f.getFileName().toString();
            long hash;
            try {
              hash = Long.parseUnsignedLong(name.substring(0, name.length() - 4), 16);
            } catch (NumberFormatException e) {
              hash = 0; // not ours: remove it below
            }
            if (hash == 0 || !live.test(hash)) {
              Files.deleteIfExists(f);
              forget(hash);
              removed++;
            }
          }
        }
      }
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    return removed;
  }

  private synchronized void remember(Signature sig) {
    if (sig.heapBytes() > cacheBytes) {
      return;
    }
    if (cache.put(sig.contentHash(), sig) == null) {
      cachedBytes += sig.heapBytes();
    }
    var it = cache.entrySet().iterator();
    while (cachedBytes > cacheBytes && it.hasNext()) {
      Map.Entry<Long, Signature> eldest = it.next();
      cachedBytes -= eldest.getValue().heapBytes();
      it.remove();
    }
  }

  private synchronized void forget(long hash) {
    Signature gone = cache.remove(hash);
    if (gone != null) {
      cachedBytes -= gone.heapBytes();
    }
  }

  private Path fileOf(long hash) {
    String hex = String.format(Locale.ROOT, "%016x", hash);
    return dir.resolve(hex.substring(0, 2)).resolve(hex + ".sig");
  }
}
