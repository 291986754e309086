package org.replicator.core.scan;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Path;

/** Delegates to {@link FileAccess#DIRECT}; tests override a method to inject a fault. */
class ForwardingFileAccess implements FileAccess {
  @Override
  public SeekableByteChannel open(Path file) throws IOException {
    return FileAccess.DIRECT.open(file);
  }

  @Override
  public DirectoryStream<Path> list(Path dir) throws IOException {
    return FileAccess.DIRECT.list(dir);
  }
}
