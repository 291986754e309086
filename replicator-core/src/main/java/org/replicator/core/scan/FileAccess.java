package org.replicator.core.scan;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The two calls of the {@link Scanner} that read contents, as a seam: tests wrap {@link #DIRECT}
 * to fail a read or change a file mid-read (root can read a mode-000 file, so permissions alone
 * cannot fake an unreadable one in a container).
 */
interface FileAccess {
  FileAccess DIRECT = new FileAccess() {
    @Override
    public SeekableByteChannel open(Path file) throws IOException {
      return Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public DirectoryStream<Path> list(Path dir) throws IOException {
      return Files.newDirectoryStream(dir);
    }
  };

  /** Opens a regular file for reading without following a symlink in its last component. */
  SeekableByteChannel open(Path file) throws IOException;

  DirectoryStream<Path> list(Path dir) throws IOException;
}
