package org.replicator.core.scan;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;

/** The scanner contract on Jimfs with the "unix" attribute view (inode, nlink, ctime, uid, gid). */
class JimfsScannerTest extends ScannerContractTest {
  private FileSystem fs;

  @Override
  protected Path newRoot() throws IOException {
    fs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
        .setAttributeViews("basic", "owner", "posix", "unix")
        .build());
    return Files.createDirectories(fs.getPath("/var/www/site"));
  }

  @AfterEach
  void closeFs() throws IOException {
    fs.close();
  }
}
