package org.replicator.agent.tls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.replicator.agent.lifecycle.StateFile;

/**
 * Writes key and certificate files with their final permissions before any byte goes in (a key
 * is never readable by others, not even for a moment), through a temp file, fsync and rename, so
 * a crash leaves the old file or the new one. New files never replace existing ones.
 */
public final class PrivateFiles {
  public static final String DIR_MODE = "rwx------";
  public static final String KEY_MODE = "rw-------";
  public static final String CERT_MODE = "rw-r--r--";

  private PrivateFiles() {}

  /** Creates {@code dir} (and missing parents) 0700; an existing one is tightened to 0700. */
  public static void directory(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(DIR_MODE));
  }

  /** Writes a file that must not exist yet. */
  public static void createNew(Path file, String content, String mode) throws IOException {
    if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(file.toString(), null, "exists; never overwritten");
    }
    Path tmp = writeTemp(file, content, mode);
    try {
      // No REPLACE_EXISTING: a file that appeared meanwhile is kept and this fails.
      Files.move(tmp, file);
    } finally {
      Files.deleteIfExists(tmp);
    }
    StateFile.fsyncDirectory(file.getParent());
  }

  /** Replaces {@code file} atomically; the previous version is kept as {@code <file>.old}. */
  public static void replace(Path file, String content, String mode) throws IOException {
    Path tmp = writeTemp(file, content, mode);
    try {
      if (Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
        Files.copy(file, file.resolveSibling(file.getFileName() + ".old"), StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    StateFile.fsyncDirectory(file.getParent());
  }

  private static Path writeTemp(Path file, String content, String mode) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Set<PosixFilePermission> perms = PosixFilePermissions.fromString(mode);
    // Created with the final mode (the umask can only remove bits), then set exactly.
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(perms));
    Files.setPosixFilePermissions(tmp, perms);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(content.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
      ch.force(true);
    }
    return tmp;
  }

  /** Refuses a private key that anyone but its owner can read or write (as ssh does). */
  public static void checkPrivate(Path key) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(key);
    for (PosixFilePermission p : perms) {
      if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE) {
        throw new IOException(key + " has mode " + PosixFilePermissions.toString(perms)
            + ": a private key must be readable by its owner only; run: chmod 600 " + key);
      }
    }
  }

  /**
   * When run as root for another user's state_dir, gives {@code path} that directory's owner and
   * group, so that an agent running as that user can read its own key.
   */
  public static void ownLike(Path path, Path reference) throws IOException {
    PosixFileAttributes ref = Files.readAttributes(reference, PosixFileAttributes.class);
    PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    PosixFileAttributes now = view.readAttributes();
    if (!now.owner().equals(ref.owner())) {
      view.setOwner(ref.owner());
    }
    if (!now.group().equals(ref.group())) {
      view.setGroup(ref.group());
    }
  }
}
