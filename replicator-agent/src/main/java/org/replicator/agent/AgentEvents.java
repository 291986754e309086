package org.replicator.agent;

import java.io.IOException;
import org.replicator.core.path.UnsafePathException;
import org.replicator.core.scan.ScanListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds core's listener seams to the log (one line per event, stable keys). */
public final class AgentEvents {
  private static final Logger log = LoggerFactory.getLogger("org.replicator.events");

  private AgentEvents() {}

  public static boolean isRoot() {
    try {
      Object uid = java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
      return Integer.valueOf(0).equals(uid);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  /** Scan events of either role; also counts the content a scan had to read. */
  public static final class ScanLogger implements ScanListener {
    private final org.replicator.agent.stats.ErrorCounts errors;
    private final java.util.concurrent.atomic.LongAdder hashedFiles = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder hashedBytes = new java.util.concurrent.atomic.LongAdder();

    public ScanLogger(org.replicator.agent.stats.ErrorCounts errors) {
      this.errors = errors;
    }

    @Override
    public void fileHashed(String path, long bytes) {
      hashedFiles.increment();
      hashedBytes.add(bytes);
    }

    /** Files whose content scans read since start (a restart with nothing changed reads none). */
    public long hashedFiles() {
      return hashedFiles.sum();
    }

    public long hashedBytes() {
      return hashedBytes.sum();
    }

    @Override
    public void pathFailed(String path, IOException error) {
      errors.add(org.replicator.agent.stats.ErrorKind.READ);
      log.warn("event=read-failed path=\"{}\" reason=\"{}\" (kept as it was; retried later)", UnsafePathException.printable(path), error.toString());
    }

    @Override
    public void invalidName(String directory, String printableName) {
      errors.add(org.replicator.agent.stats.ErrorKind.PATH_REFUSED);
      log.warn("event=name-refused directory=\"{}\" name=\"{}\" reason=\"not valid UTF-8; rename it to replicate it\"", UnsafePathException.printable(directory), printableName);
    }

    @Override
    public void unsupportedType(String path) {
      log.info("event=type-skipped path=\"{}\" reason=\"devices, FIFOs and sockets are not replicated\"", UnsafePathException.printable(path));
    }
  }


}
