package org.replicator.core.apply;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import org.replicator.core.apply.ApplyException.Kind;
import org.replicator.core.path.RelPath;
import org.replicator.core.path.UnsafePathException;

/**
 * Confinement: turns a relative path from a peer into a {@link Path} under the docroot that is safe
 * to write. Every path is {@link RelPath#validate validated} (no {@code ..}, not absolute, not in
 * {@code .replicator}) and every parent component on disk is checked with lstat to be a real
 * directory: a symlink anywhere in the parent chain is refused, so a write can never be redirected
 * outside the docroot by a link that exists in the tree. The final component is never resolved:
 * callers lstat it and replace a symlink there as a link.
 *
 * <p>The check and the later create or rename are separate system calls. A local user who can
 * write into the docroot could swap a checked parent for a symlink in between; closing that would
 * need {@code openat}/{@code renameat} on directory handles, which java.nio.file does not offer. The
 * docroot belongs to the agent's user and to PHP, so this is accepted and documented.
 *
 * <p>Not thread safe; owned by the {@link Applier} thread.
 */
final class PathGuard {
  /** Told about every parent directory the guard creates. */
  interface ParentCreated {
    void created(Path dir, String rel) throws IOException;
  }

  private static final LinkOption[] NOFOLLOW = {LinkOption.NOFOLLOW_LINKS};
  private static final int DEFAULT_DIR_MODE = 0755;

  private final Path docroot;

  PathGuard(Path docroot) {
    this.docroot = docroot;
  }

  Path docroot() {
    return docroot;
  }

  /** The target of an op that creates {@code rel}; missing parents are created with mode 0755. */
  Path forCreate(String op, String rel, ParentCreated onCreated) throws ApplyException {
    Path path = walk(op, rel, onCreated);
    if (path == null) {
      throw new IllegalStateException("walk with a creator returned no path for " + rel);
    }
    return path;
  }

  /** The path of something that may exist; empty when a parent is missing (so it cannot exist). */
  Optional<Path> forExisting(String op, String rel) throws ApplyException {
    return Optional.ofNullable(walk(op, rel, null));
  }

  /** The existing regular file {@code rel}, reached through real directories only. */
  Path existingRegularFile(String op, String rel, String forPath) throws ApplyException {
    Path path = forExisting(op, rel).orElse(null);
    BasicFileAttributes attrs;
    try {
      attrs = path == null ? null : lstat(path);
    } catch (IOException e) {
      throw ApplyException.io(op, forPath, e, "nothing written");
    }
    if (attrs == null) {
      throw new ApplyException(Kind.MISSING, op, forPath, "link target " + printable(rel) + " does not exist; nothing written");
    }
    if (attrs.isSymbolicLink()) {
      throw new ApplyException(Kind.UNSAFE_PATH, op, forPath, "link target " + printable(rel) + " is a symlink; nothing written");
    }
    if (!attrs.isRegularFile()) {
      throw new ApplyException(Kind.CONFLICT, op, forPath, "link target " + printable(rel) + " is not a regular file; nothing written");
    }
    return path;
  }

  /** lstat: the attributes of {@code path} itself, or null when it does not exist. */
  static BasicFileAttributes lstat(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
    } catch (NoSuchFileException e) {
      return null; // absence is an answer here, not an error
    }
  }

  static boolean isRealDirectory(BasicFileAttributes attrs) {
    return attrs != null && attrs.isDirectory() && !attrs.isSymbolicLink();
  }

  private Path walk(String op, String rel, ParentCreated onCreated) throws ApplyException {
    try {
      RelPath.validate(rel);
    } catch (UnsafePathException e) {
      throw ApplyException.unsafe(op, e);
    }
    String[] parts = rel.split("/", -1);
    Path dir = docroot;
    try {
      for (int i = 0; i < parts.length - 1; i++) {
        Path next = dir.resolve(parts[i]);
        String nextRel = String.join("/", java.util.Arrays.asList(parts).subList(0, i + 1));
        BasicFileAttributes attrs = lstat(next);
        if (attrs == null) {
          if (onCreated == null) {
            return null;
          }
          createDirectory(op, rel, next, nextRel, onCreated);
        } else if (attrs.isSymbolicLink()) {
          throw new ApplyException(Kind.UNSAFE_PATH, op, rel, "parent " + printable(nextRel) + " is a symlink; nothing written");
        } else if (!attrs.isDirectory()) {
          throw new ApplyException(Kind.CONFLICT, op, rel, "parent " + printable(nextRel) + " is not a directory; nothing written");
        }
        dir = next;
      }
    } catch (IOException e) {
      throw ApplyException.io(op, rel, e, "nothing written");
    }
    return dir.resolve(parts[parts.length - 1]);
  }

  private static void createDirectory(String op, String rel, Path dir, String dirRel, ParentCreated onCreated)
      throws IOException, ApplyException {
    try {
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      // Something appeared between our lstat and mkdir: only a real directory is acceptable.
      if (!isRealDirectory(lstat(dir))) {
        throw new ApplyException(Kind.UNSAFE_PATH, op, rel, "parent " + printable(dirRel) + " appeared as a non-directory; nothing written", e);
      }
      return;
    }
    MetadataWriter.setMode(dir, DEFAULT_DIR_MODE);
    onCreated.created(dir, dirRel);
  }

  private static String printable(String rel) {
    return UnsafePathException.printable(rel);
  }
}
