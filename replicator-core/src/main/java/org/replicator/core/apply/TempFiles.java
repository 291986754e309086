package org.replicator.core.apply;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.replicator.core.path.RelPath;

/**
 * The applier's private scratch space, {@code <docroot>/.replicator/tmp}: on the docroot's file
 * system (so a rename into place is atomic) but outside what Nginx serves and what is replicated.
 * Everything in it belongs to the applier, so {@link #prepare()} may delete whatever it finds.
 *
 * <p>Not thread safe; owned by the {@link Applier} thread.
 */
final class TempFiles {
  static final String TMP = "tmp";
  private static final int PRIVATE_DIR_MODE = 0700;

  private final Path replicatorDir;
  private final Path dir;
  /** Distinguishes this run's names from leftovers of a run that crashed. */
  private final String runId;
  private long counter;

  TempFiles(Path docroot) {
    this.replicatorDir = docroot.resolve(RelPath.RESERVED);
    this.dir = replicatorDir.resolve(TMP);
    byte[] random = new byte[4];
    new SecureRandom().nextBytes(random);
    this.runId = HexFormat.of().formatHex(random);
  }

  Path dir() {
    return dir;
  }

  /** Creates {@code .replicator/tmp} when missing and empties it; returns how many entries it removed. */
  int prepare() throws IOException {
    ensurePrivateDirectory(replicatorDir);
    ensurePrivateDirectory(dir);
    int removed = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        deleteTree(entry);
        removed++;
      }
    }
    return removed;
  }

  /** A fresh name in the temp dir; nothing is created. */
  Path next(String kind) {
    return dir.resolve(runId + "-" + (++counter) + "." + kind);
  }

  /** Renames {@code path} into the temp dir (atomically gone from the tree) and returns the new name. */
  Path moveAside(Path path) throws IOException {
    Path aside = next("del");
    Files.move(path, aside, StandardCopyOption.ATOMIC_MOVE);
    return aside;
  }

  /** Deletes {@code path} after a failure; a second failure is attached to {@code failure}. */
  static void deleteQuietly(Path path, Throwable failure) {
    try {
      deleteTree(path);
    } catch (IOException e) {
      // The first error is the one to report; a leftover is removed by the next start().
      failure.addSuppressed(e);
    }
  }

  /** Deletes a file, a link (not its target) or a whole directory tree; missing is fine. */
  static void deleteTree(Path path) throws IOException {
    BasicFileAttributes attrs = ConfinedTree.lstat(path);
    if (attrs == null) {
      return;
    }
    if (!ConfinedTree.isRealDirectory(attrs)) {
      Files.deleteIfExists(path);
      return;
    }
    // walkFileTree without FOLLOW_LINKS reports links as files: they are unlinked, never entered.
    Files.walkFileTree(path, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.deleteIfExists(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private static void ensurePrivateDirectory(Path path) throws IOException {
    BasicFileAttributes attrs = ConfinedTree.lstat(path);
    if (attrs == null) {
      Files.createDirectory(path);
      MetadataWriter.setMode(path, PRIVATE_DIR_MODE);
    } else if (!ConfinedTree.isRealDirectory(attrs)) {
      throw new FileSystemException(path.toString(), null,
          "is not a real directory (a symlink or a file); the applier refuses to use it: remove it and restart");
    }
  }
}
