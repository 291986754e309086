package org.replicator.core.apply;

import java.io.IOException;
import java.nio.file.Path;

/** Gives agent tests core's recursive delete (never follows symlinks). */
public final class TempFilesForTests {
  private TempFilesForTests() {}

  public static void deleteTree(Path path) throws IOException {
    TempFiles.deleteTree(path);
  }
}
