package org.replicator.core.apply;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Makes directory entries durable: fsync of the directory itself after a create, rename or unlink. */
final class Fsync {
  private Fsync() {}

  /**
   * Fsyncs {@code dir}. Only the default provider maps to a kernel directory that can be opened and
   * synced; an in-memory file system (Jimfs in tests) has nothing to make durable and refuses to
   * open a directory as a channel, so it is skipped.
   */
  static void directory(Path dir) throws IOException {
    if (dir.getFileSystem() != FileSystems.getDefault()) {
      return;
    }
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }
}
