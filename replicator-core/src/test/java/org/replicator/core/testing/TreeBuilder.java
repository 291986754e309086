package org.replicator.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Builds a small tree under a root, on Jimfs or on disk, in a fluent style. Paths are relative and
 * '/'-separated; parents are created as needed. I/O errors become {@link UncheckedIOException}:
 * a broken fixture fails the test at once.
 *
 * <pre>{@code
 * TreeBuilder.at(root).dir("wp-content").file("wp-content/a.php", "<?php", 0644, T0).symlink("l", "../x");
 * }</pre>
 */
public final class TreeBuilder {
  private final Path root;

  private TreeBuilder(Path root) {
    this.root = root;
  }

  public static TreeBuilder at(Path root) {
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new TreeBuilder(root);
  }

  public Path root() {
    return root;
  }

  public Path path(String rel) {
    return root.resolve(rel);
  }

  public TreeBuilder dir(String rel) {
    return run(() -> Files.createDirectories(path(rel)));
  }

  public TreeBuilder dir(String rel, int mode, long mtimeNanos) {
    return dir(rel).mode(rel, mode).mtime(rel, mtimeNanos);
  }

  public TreeBuilder file(String rel, String content) {
    return file(rel, content.getBytes(StandardCharsets.UTF_8));
  }

  public TreeBuilder file(String rel, byte[] content) {
    return run(() -> {
      Files.createDirectories(path(rel).getParent());
      Files.write(path(rel), content);
    });
  }

  public TreeBuilder file(String rel, String content, int mode, long mtimeNanos) {
    return file(rel, content).mode(rel, mode).mtime(rel, mtimeNanos);
  }

  /** A symlink holding {@code target} verbatim (it may dangle or point outside the root). */
  public TreeBuilder symlink(String rel, String target) {
    return run(() -> {
      Files.createDirectories(path(rel).getParent());
      Files.createSymbolicLink(path(rel), root.getFileSystem().getPath(target));
    });
  }

  /** A symlink to an absolute location (e.g. a sentinel directory outside the root). */
  public TreeBuilder symlink(String rel, Path target) {
    return symlink(rel, target.toString());
  }

  public TreeBuilder hardlink(String rel, String existing) {
    return run(() -> {
      Files.createDirectories(path(rel).getParent());
      Files.createLink(path(rel), path(existing));
    });
  }

  /** Sets the 07777 mode bits that java.nio can express (0777; special bits are ignored). */
  public TreeBuilder mode(String rel, int mode) {
    return run(() -> Files.getFileAttributeView(path(rel), PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .setPermissions(permissions(mode)));
  }

  /** Sets the mtime of the path itself (a symlink's own time, not its target's). */
  public TreeBuilder mtime(String rel, long mtimeNanos) {
    return run(() -> Files.getFileAttributeView(path(rel), BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
        .setTimes(FileTime.from(mtimeNanos, TimeUnit.NANOSECONDS), null, null));
  }

  public static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] values = PosixFilePermission.values(); // OWNER_READ .. OTHERS_EXECUTE
    for (int i = 0; i < values.length; i++) {
      if ((mode & (0400 >> i)) != 0) {
        set.add(values[i]);
      }
    }
    return set;
  }

  public static int mode(Set<PosixFilePermission> permissions) {
    int mode = 0;
    for (PosixFilePermission p : permissions) {
      mode |= 0400 >> p.ordinal();
    }
    return mode;
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private TreeBuilder run(IoAction action) {
    try {
      action.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }
}
