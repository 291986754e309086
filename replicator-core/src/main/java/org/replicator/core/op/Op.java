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

  /** Replace or create a regular file; {@code size} bytes of content follow. */
  record PutFile(String path, long size, Meta meta) implements Op {}

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
