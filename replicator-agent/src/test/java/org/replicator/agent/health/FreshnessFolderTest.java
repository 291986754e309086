package org.replicator.agent.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web user (not the agent's) reads the freshness file: its folder must be traversable. */
class FreshnessFolderTest {
  @TempDir Path docroot;

  @Test
  void aPrivateReplicatorFolderIsOpenedForTraversalOnly() throws Exception {
    Path dir = Files.createDirectory(docroot.resolve(".replicator"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    FreshnessWriter.openToTheWebUser(dir);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx--x--x");
  }

  @Test
  void aFolderAlreadyTraversableIsLeftAsItIs() throws Exception {
    Path dir = Files.createDirectory(docroot.resolve(".replicator"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-x--x"));
    FreshnessWriter.openToTheWebUser(dir);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwxr-x--x");
  }
}
