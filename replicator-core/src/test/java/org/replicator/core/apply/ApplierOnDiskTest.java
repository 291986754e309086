package org.replicator.core.apply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The applier contract on the real disk: real rename, fsync, holes, nanosecond mtimes, lutimes,
 * and chown when the tests run as root (otherwise those tests are skipped).
 */
class ApplierOnDiskTest extends ApplierContractTest {
  @TempDir Path tempDir;

  ApplierOnDiskTest() throws IOException {
    super(runningAsRoot(), RealDisk.hasStat());
  }

  @Override
  Path newBase() {
    return tempDir;
  }

  /** Root owns what it creates: a file we create tells our uid without reading system properties. */
  private static boolean runningAsRoot() throws IOException {
    Path probe = Files.createTempFile("replicator-uid", ".probe");
    try {
      return ((Integer) Files.getAttribute(probe, "unix:uid")) == 0;
    } finally {
      Files.delete(probe);
    }
  }
}
