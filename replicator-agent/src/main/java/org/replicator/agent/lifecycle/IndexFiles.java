package org.replicator.agent.lifecycle;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.replicator.core.index.Index;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The index a node saved in its state_dir: loaded at start, empty when missing or unusable. */
public final class IndexFiles {
  private static final Logger log = LoggerFactory.getLogger(IndexFiles.class);

  private IndexFiles() {}

  public static Path of(Path stateDir) {
    return stateDir.resolve("index.bin");
  }

  /**
   * An unusable file costs a full rescan (every file read again), never a wrong tree: the scan that
   * follows compares the disk with what is loaded here.
   */
  public static Index loadOrEmpty(Path stateDir) {
    Path file = of(stateDir);
    try {
      return Index.load(file);
    } catch (NoSuchFileException e) {
      return new Index();
    } catch (IOException e) {
      log.warn("index={} unreadable, rescanning from scratch: {}", file, e.getMessage());
      return new Index();
    }
  }
}
