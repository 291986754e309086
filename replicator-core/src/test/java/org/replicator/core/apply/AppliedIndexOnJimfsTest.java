package org.replicator.core.apply;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.replicator.core.testing.UnixJimfs;

/** The index upkeep contract on Jimfs. */
class AppliedIndexOnJimfsTest extends AppliedIndexContractTest {
  private FileSystem fs;

  @Override
  Path newBase() throws IOException {
    fs = UnixJimfs.newFileSystem();
    return Files.createDirectories(fs.getPath("/base"));
  }

  @Override
  void closeBase() throws IOException {
    fs.close();
  }
}
