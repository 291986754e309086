package org.replicator.core.apply;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.util.Locale;
import org.replicator.core.path.UnsafePathException;

/**
 * An op that the {@link Applier} refused or could not carry out. The slave's tree keeps its
 * previous state for {@link #path()} (the message says so); the caller decides whether to close
 * the connection ({@link Kind#UNSAFE_PATH}, {@link Kind#POLICY}), ask the master for the whole
 * file ({@link Kind#HASH_MISMATCH}, {@link Kind#SIZE_MISMATCH}, {@link Kind#BASIS_MISMATCH},
 * {@link Kind#BAD_DELTA}, {@link Kind#MISSING}) or stop and
 * tell the operator ({@link Kind#NO_SPACE}, {@link Kind#PERMISSION}, {@link Kind#IO}).
 */
public final class ApplyException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why an op failed; callers switch on it. */
  public enum Kind {
    /** The path is lexically invalid, or a parent on disk is a symlink: nothing was written. */
    UNSAFE_PATH,
    /** The streamed content does not hash to what the master announced. */
    HASH_MISMATCH,
    /** The streamed content is longer or shorter than the announced size. */
    SIZE_MISMATCH,
    /**
     * A patch's basis is not the version the master meant (missing, other size, or changed since
     * it was applied): the old file is kept and the master sends the file again.
     */
    BASIS_MISMATCH,
    /** A patch that does not fit its basis (a copy outside it, a copy in a whole-file put). */
    BAD_DELTA,
    /** Something the op needs is absent (move source, hard link target, set-meta path). */
    MISSING,
    /** The tree on disk has a different shape than the op expects (a parent is a file). */
    CONFLICT,
    /** The disk or the quota is full. */
    NO_SPACE,
    /** The file system refused access. */
    PERMISSION,
    /** The op breaks an applier policy (deletes disabled, moving a folder into itself, ...). */
    POLICY,
    /** Any other I/O error. */
    IO
  }

  private final Kind kind;
  private final String opName;
  private final String path;
  private final String reason;

  public ApplyException(Kind kind, String opName, String path, String reason, Throwable cause) {
    super("cannot apply " + opName + " " + UnsafePathException.printable(path) + ": " + reason, cause);
    this.kind = kind;
    this.opName = opName;
    this.path = path;
    this.reason = reason;
  }

  public ApplyException(Kind kind, String opName, String path, String reason) {
    this(kind, opName, path, reason, null);
  }

  /** Wraps an I/O error, classifying full disks and permission problems. */
  public static ApplyException io(String opName, String path, IOException error, String consequence) {
    Kind kind = classify(error);
    String what =
        switch (kind) {
          case NO_SPACE -> "no space left on device";
          case PERMISSION -> "permission denied";
          default -> describe(error);
        };
    return new ApplyException(kind, opName, path, what + "; " + consequence, error);
  }

  static ApplyException unsafe(String opName, UnsafePathException error) {
    return new ApplyException(Kind.UNSAFE_PATH, opName, error.path(), error.getMessage() + "; nothing written", error);
  }

  static Kind classify(IOException error) {
    if (error instanceof AccessDeniedException) {
      return Kind.PERMISSION;
    }
    String text = error instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : error.getMessage();
    String lower = text == null ? "" : text.toLowerCase(Locale.ROOT);
    if (lower.contains("no space left") || lower.contains("disk quota exceeded") || lower.contains("out of disk space")) {
      return Kind.NO_SPACE;
    }
    if (lower.contains("permission denied") || lower.contains("operation not permitted")) {
      return Kind.PERMISSION;
    }
    return Kind.IO;
  }

  private static String describe(IOException error) {
    return error.getClass().getSimpleName() + ": " + error.getMessage();
  }

  public Kind kind() {
    return kind;
  }

  /** The op's simple name, e.g. {@code PutFile}. */
  public String opName() {
    return opName;
  }

  /** The relative path the op was about (possibly unprintable; the message escapes it). */
  public String path() {
    return path;
  }

  public String reason() {
    return reason;
  }
}
