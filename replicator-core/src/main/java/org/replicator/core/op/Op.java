package org.replicator.core.op;

/**
 * One change to apply on a slave. Paths are relative to the docroot, '/'-separated, already
 * validated by {@link org.replicator.core.path.RelPath} on both sides.
 *
 * <p>File content does not live in an op: a {@link PutFile} announces a file whose bytes follow
 * as a stream (data chunks, zero runs, then an end carrying the whole-file hash).
 */
public sealed interface Op
    permits Op.Mkdir, Op.PutFile, Op.Symlink, Op.Hardlink, Op.Delete, Op.Move, Op.SetMeta {

  /** The path this op creates, changes or removes (the destination of a move). */
  String path();

  /** Create a directory (parents exist already: the planner orders mkdirs shallowest first). */
  record Mkdir(String path, Meta meta) implements Op {}

  /**
   * Replace or create a regular file; {@code size} bytes of content follow. With a {@code basis}
   * the content is a patch: it may copy ranges of the file now at {@code path}, which must be the
   * version the basis names (checked before patching; the result is checked by hash before it
   * replaces anything). Without one ({@code null}) the content is the whole file.
   */
  record PutFile(String path, long size, Meta meta, Basis basis) implements Op {
    public PutFile(String path, long size, Meta meta) {
      this(path, size, meta, null);
    }

    public boolean isPatch() {
      return basis != null;
    }

    /** The same put, sent whole. */
    public PutFile whole() {
      return basis == null ? this : new PutFile(path, size, meta, null);
    }
  }

  /** The version a patch applies to: its {@link org.replicator.core.hash.ContentHasher} hash and size. */
  record Basis(long hash, long size) {
    public Basis {
      if (size < 0) {
        throw new IllegalArgumentException("negative basis size " + size);
      }
    }
  }

  /** Create or replace a symbolic link; {@code target} is copied verbatim and never followed. */
  record Symlink(String path, String target, Meta meta) implements Op {}

  /** Make {@code path} another name of the existing regular file {@code existing}. */
  record Hardlink(String path, String existing) implements Op {}

  /** Remove {@code path}; a directory is removed with everything under it. Missing is fine. */
  record Delete(String path) implements Op {}

  /** Rename {@code from} to {@code path} (a file or a whole directory). */
  record Move(String from, String path) implements Op {}

  /** Change mode, mtime and owner of an existing path without touching its content. */
  record SetMeta(String path, Meta meta) implements Op {}
}
