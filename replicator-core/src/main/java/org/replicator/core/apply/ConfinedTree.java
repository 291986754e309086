package org.replicator.core.apply;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.Set;
import org.replicator.core.apply.ApplyException.Kind;
import org.replicator.core.path.RelPath;
import org.replicator.core.path.UnsafePathException;

/**
 * Receiver confinement: every operation on the docroot goes through directory handles, never
 * through a path the kernel resolves from the docroot down. The docroot is opened once as a {@link
 * SecureDirectoryStream} ({@code openat} underneath on Linux); each parent component of a relative
 * path is opened from the previous handle with {@code NOFOLLOW_LINKS}, so a parent that is a symlink
 * (planted before the batch, created earlier in it, or swapped in by a local user at any moment)
 * makes the open fail instead of leading outside. The final component is then read ({@code
 * fstatat} nofollow), opened ({@code O_NOFOLLOW}), renamed ({@code renameat}) or deleted ({@code
 * unlinkat}) relative to its parent's handle.
 *
 * <p>What a directory handle cannot do (mkdir, symlink, link) happens in the staging dir {@code
 * .replicator/tmp} and is then renamed into place handle-relative ({@link Entry#moveIn}). Paths
 * are {@link RelPath#validate validated} first: no {@code ..}, not absolute, no empty or NUL
 * component, bounded length and depth, not under {@code .replicator}.
 *
 * <p>A file system without secure directory streams is refused (Linux's default provider and
 * Jimfs both have them), so there is no path-based fallback to fall into by mistake.
 *
 * <p>Not thread safe; owned by the {@link Applier} thread.
 */
final class ConfinedTree implements Closeable {
  /** Told about every parent directory the walk creates. */
  interface ParentCreated {
    void created(String rel) throws IOException;
  }

  private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
  private static final int DEFAULT_DIR_MODE = 0755;

  private final Path docroot;
  private final SecureDirectoryStream<Path> root;
  private final TempFiles staging;
  private SecureDirectoryStream<Path> stagingDir;

  private ConfinedTree(Path docroot, SecureDirectoryStream<Path> root, TempFiles staging) {
    this.docroot = docroot;
    this.root = root;
    this.staging = staging;
  }

  /** Opens {@code docroot} as a handle; refuses a file system without secure directory streams. */
  static ConfinedTree open(Path docroot, TempFiles staging) throws IOException {
    DirectoryStream<Path> stream = Files.newDirectoryStream(docroot);
    if (!(stream instanceof SecureDirectoryStream)) {
      stream.close();
      throw new FileSystemException(docroot.toString(), null,
          "the file system offers no secure directory streams (openat); the applier cannot confine writes to the docroot");
    }
    return new ConfinedTree(docroot, (SecureDirectoryStream<Path>) stream, staging);
  }

  /** True: the docroot is held as a {@link SecureDirectoryStream}. For the tests that assert it. */
  boolean secure() {
    return root != null;
  }

  Path docroot() {
    return docroot;
  }

  /** Opens the staging dir through the handle walk (after {@link TempFiles#prepare}). */
  void openStaging() throws IOException {
    closeStaging();
    SecureDirectoryStream<Path> replicator = openChild(root, RelPath.RESERVED);
    try {
      stagingDir = openChild(replicator, TempFiles.TMP);
    } finally {
      replicator.close();
    }
  }

  SecureDirectoryStream<Path> staging() {
    return stagingDir;
  }

  /** The entry {@code rel} with missing parents created (mode 0755, via staging). */
  Entry forCreate(String op, String rel, ParentCreated onCreated) throws ApplyException {
    return walk(op, rel, onCreated);
  }

  /** The entry {@code rel}, or null when a parent is missing (so it cannot exist). */
  Entry forExisting(String op, String rel) throws ApplyException {
    return walk(op, rel, null);
  }

  /** Validates {@code rel} and checks its parents, creating nothing. */
  void check(String op, String rel) throws ApplyException {
    Entry e = forExisting(op, rel);
    if (e != null) {
      e.close();
    }
  }

  /** The attributes of the docroot itself. */
  BasicFileAttributeView rootView() {
    return root.getFileAttributeView(BasicFileAttributeView.class);
  }

  @Override
  public void close() throws IOException {
    closeStaging();
    root.close();
  }

  private void closeStaging() throws IOException {
    if (stagingDir != null) {
      stagingDir.close();
      stagingDir = null;
    }
  }

  private Path name(String s) {
    return docroot.getFileSystem().getPath(s);
  }

  private SecureDirectoryStream<Path> openChild(SecureDirectoryStream<Path> dir, String child) throws IOException {
    return dir.newDirectoryStream(name(child), NOFOLLOW);
  }

  private Entry walk(String op, String rel, ParentCreated onCreated) throws ApplyException {
    try {
      RelPath.validate(rel);
    } catch (UnsafePathException e) {
      throw ApplyException.unsafe(op, e);
    }
    String[] parts = rel.split("/", -1);
    SecureDirectoryStream<Path> dir = root;
    try {
      for (int i = 0; i < parts.length - 1; i++) {
        String nextRel = String.join("/", java.util.Arrays.asList(parts).subList(0, i + 1));
        BasicFileAttributes attrs = lstat(dir, name(parts[i]));
        if (attrs == null) {
          if (onCreated == null) {
            closeWalked(dir);
            return null;
          }
          createDirectory(op, rel, dir, parts[i], nextRel, onCreated);
        } else if (attrs.isSymbolicLink()) {
          throw new ApplyException(Kind.UNSAFE_PATH, op, rel, "parent " + printable(nextRel) + " is a symlink; nothing written");
        } else if (!attrs.isDirectory()) {
          throw new ApplyException(Kind.CONFLICT, op, rel, "parent " + printable(nextRel) + " is not a directory; nothing written");
        }
        SecureDirectoryStream<Path> next;
        try {
          // NOFOLLOW: a parent swapped for a symlink since the lstat above fails here (ELOOP).
          next = openChild(dir, parts[i]);
        } catch (IOException e) {
          throw new ApplyException(Kind.UNSAFE_PATH, op, rel,
              "parent " + printable(nextRel) + " changed while being opened (" + e.getMessage() + "); nothing written", e);
        }
        closeWalked(dir);
        dir = next;
      }
    } catch (IOException e) {
      closeQuietly(dir);
      throw ApplyException.io(op, rel, e, "nothing written");
    } catch (ApplyException | RuntimeException e) {
      closeQuietly(dir);
      throw e;
    }
    return new Entry(rel, dir, name(parts[parts.length - 1]));
  }

  private void closeWalked(SecureDirectoryStream<Path> dir) throws IOException {
    if (dir != root) {
      dir.close();
    }
  }

  private void closeQuietly(SecureDirectoryStream<Path> dir) {
    try {
      closeWalked(dir);
    } catch (IOException e) {
      // A read-only handle: nothing is lost if its close fails, the first error is reported.
    }
  }

  /** mkdir in staging, then renamed into place relative to the parent handle. */
  private void createDirectory(String op, String rel, SecureDirectoryStream<Path> dir, String child, String dirRel,
      ParentCreated onCreated) throws IOException, ApplyException {
    Path made = staging.next("dir");
    Files.createDirectory(made);
    try {
      MetadataWriter.setMode(stagingDir, made.getFileName(), DEFAULT_DIR_MODE);
      stagingDir.move(made.getFileName(), dir, name(child));
    } catch (IOException e) {
      TempFiles.deleteQuietly(made, e);
      if (!isRealDirectory(lstat(dir, name(child)))) {
        throw new ApplyException(Kind.UNSAFE_PATH, op, rel, "parent " + printable(dirRel) + " could not be created: " + e.getMessage() + "; nothing written", e);
      }
      return; // a directory appeared meanwhile: use it (the walk opens it nofollow)
    }
    onCreated.created(dirRel);
  }

  /** lstat relative to a handle: the attributes of {@code name} itself, or null when missing. */
  static BasicFileAttributes lstat(SecureDirectoryStream<Path> dir, Path name) throws IOException {
    try {
      return dir.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW).readAttributes();
    } catch (NoSuchFileException e) {
      return null; // absence is an answer here, not an error
    }
  }

  /** lstat of a path in the staging dir (ours), or null when it does not exist. */
  static BasicFileAttributes lstat(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  static boolean isRealDirectory(BasicFileAttributes attrs) {
    return attrs != null && attrs.isDirectory() && !attrs.isSymbolicLink();
  }

  private static String printable(String rel) {
    return UnsafePathException.printable(rel);
  }

  /** One final component under an open parent handle. Close it after use. */
  final class Entry implements AutoCloseable {
    final String rel;
    private final SecureDirectoryStream<Path> dir;
    private final Path name;

    private Entry(String rel, SecureDirectoryStream<Path> dir, Path name) {
      this.rel = rel;
      this.dir = dir;
      this.name = name;
    }

    /** The path, for fsync of the parent and for messages only: never used to write. */
    Path path() {
      return docroot.resolve(rel);
    }

    BasicFileAttributes lstat() throws IOException {
      return ConfinedTree.lstat(dir, name);
    }

    /** Mode, owner and times of the entry itself; fails on a symlink instead of following it. */
    PosixFileAttributeView view() {
      return dir.getFileAttributeView(name, PosixFileAttributeView.class, NOFOLLOW);
    }

    /** Opens the entry for reading with O_NOFOLLOW. */
    FileChannel openRead() throws IOException {
      SeekableByteChannel ch = dir.newByteChannel(name, Set.of(StandardOpenOption.READ, NOFOLLOW));
      if (!(ch instanceof FileChannel)) {
        ch.close();
        throw new FileSystemException(path().toString(), null, "the file system gives no file channel for a handle-relative open");
      }
      return (FileChannel) ch;
    }

    /** As {@link #openRead()}, with O_DIRECT; null when the file system refuses it. */
    FileChannel openReadDirect() {
      try {
        SeekableByteChannel ch = dir.newByteChannel(name, Set.of(StandardOpenOption.READ, NOFOLLOW,
            com.sun.nio.file.ExtendedOpenOption.DIRECT));
        if (ch instanceof FileChannel file) {
          return file;
        }
        ch.close();
      } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
        // No O_DIRECT here: the caller reads through the page cache.
      }
      return null;
    }

    /** Unlinks a file or symlink (never a directory) relative to the parent handle. */
    void deleteFile() throws IOException {
      dir.deleteFile(name);
    }

    /** Renames the entry into the staging dir under {@code stagingName} (handle to handle). */
    void moveToStaging(Path stagingName) throws IOException {
      dir.move(name, stagingDir, stagingName.getFileName());
    }

    /** Renames staging's {@code made} over this entry (renameat between handles). */
    void moveIn(Path made) throws IOException {
      stagingDir.move(made.getFileName(), dir, name);
    }

    /** Renames this entry over {@code target} (renameat between handles; replaces a file there). */
    void moveTo(Entry target) throws IOException {
      dir.move(name, target.dir, target.name);
    }

    @Override
    public void close() {
      closeQuietly(dir);
    }
  }
}
