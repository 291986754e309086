package org.replicator.core.testing;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileSystem;

/** In-memory Unix file systems for tests, with the attribute views the applier and scanner read. */
public final class UnixJimfs {
  private UnixJimfs() {}

  /** The configuration every core test uses: Unix paths, views basic, posix, unix and owner. */
  public static Configuration configuration() {
    return Configuration.unix().toBuilder().setAttributeViews("basic", "posix", "unix", "owner").build();
  }

  public static FileSystem newFileSystem() {
    return Jimfs.newFileSystem(configuration());
  }

  /** A file system that runs out of space after {@code maxBytes} (disk-full tests). */
  public static FileSystem withMaxSize(long maxBytes) {
    return Jimfs.newFileSystem(configuration().toBuilder().setBlockSize(4096).setMaxSize(maxBytes).build());
  }
}
