package org.replicator.core.apply;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The index upkeep contract on the real disk (real inodes, ctimes and hard links). */
class AppliedIndexOnDiskTest extends AppliedIndexContractTest {
  @TempDir Path dir;

  @Override
  Path newBase() {
    return dir;
  }
}
