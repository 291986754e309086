package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.replicator.core.apply.DirectorySwap;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.testing.TreeSnapshot;

/**
 * A reader of a slave's docroot, as PHP-FPM is one: on its own thread it walks the tree again and
 * again and hashes every regular file under its final name, and records each file whose hash is
 * not one of the versions the test registered for that path with {@link #allow} before writing it
 * on the master. A partial file, a mix of two versions or a file nobody wrote shows up as a
 * violation. {@code .replicator/} is skipped; files that vanish between listing and reading are
 * normal (a delete or a rename on the slave).
 */
public final class VersionReader implements AutoCloseable {
  private final Path root;
  private final Map<String, Set<Long>> allowed = new ConcurrentHashMap<>();
  private final List<String> violations = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong filesRead = new AtomicLong();
  private final AtomicLong passes = new AtomicLong();
  private final Thread thread;
  private volatile boolean stop;

  public VersionReader(Path root) {
    this.root = root;
    this.thread = new Thread(this::run, "e2e-reader-" + root.getFileName());
    thread.setDaemon(true);
  }

  public VersionReader start() {
    thread.start();
    return this;
  }

  /** Registers {@code content} as a version of {@code rel} the master holds (or held). */
  public void allow(String rel, byte[] content) {
    allow(rel, ContentHasher.of(content));
  }

  public void allow(String rel, long hash) {
    allowed.computeIfAbsent(rel, k -> ConcurrentHashMap.newKeySet()).add(hash);
  }

  /** Registers every regular file under {@code tree} with its current content. */
  public void allowTree(Path tree) throws IOException {
    Files.walkFileTree(tree, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isRegularFile()) {
          allow(rel(tree, file), TreeSnapshot.hash(file));
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  public long filesRead() {
    return filesRead.get();
  }

  private void run() {
    while (!stop) {
      try {
        pass();
      } catch (IOException | RuntimeException e) {
        violations.add("reader failed: " + e);
      }
      passes.incrementAndGet();
    }
  }

  private void pass() throws IOException {
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        if (stop) {
          return FileVisitResult.TERMINATE;
        }
        // .replicator/ and a swap's staging copy (.replicator-swap.NAME beside a plugin or theme
        // being rebuilt) are the slave's own: never served (the generated Nginx answers 404 for
        // both, StackBinariesIT) and skipped by WordPress, which ignores dot-directories.
        return dir.equals(root.resolve(".replicator")) || dir.getFileName().toString().startsWith(DirectorySwap.STAGING_PREFIX)
            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (attrs.isRegularFile()) {
          check(file);
        }
        return stop ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException exc) {
        if (!(exc instanceof NoSuchFileException)) {
          violations.add("cannot read " + file + ": " + exc);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
        // A directory renamed or removed while listed: normal on a live slave.
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private void check(Path file) {
    String rel = rel(root, file);
    long hash;
    long size;
    try {
      size = Files.size(file);
      hash = TreeSnapshot.hash(file);
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      violations.add("cannot read " + rel + ": " + e);
      return;
    }
    filesRead.incrementAndGet();
    Set<Long> ok = allowed.get(rel);
    if (ok == null || !ok.contains(hash)) {
      violations.add(rel + ": read a version the master never held (hash " + Long.toHexString(hash) + ", ~" + size + " bytes, "
          + (ok == null ? "no version registered" : ok.size() + " versions registered") + ")");
    }
  }

  private static String rel(Path root, Path file) {
    return root.relativize(file).toString();
  }

  /** Stops the thread (bounded) and asserts it read files and saw only registered versions. */
  public void assertOnlyRegisteredVersions() throws InterruptedException {
    close();
    assertThat(filesRead.get()).as("files hashed by the reader of %s (%d passes)", root, passes.get()).isPositive();
    synchronized (violations) {
      assertThat(violations).as("reader of %s", root).isEmpty();
    }
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(60_000);
  }

  @Override
  public String toString() {
    return "VersionReader(" + root + ", " + filesRead.get() + " files read, " + violations.size() + " violations)";
  }
}
