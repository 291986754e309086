package org.replicator.cli.e2e;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Owns the clusters and background checkers a test creates: after each test (passed or not) it
 * stops the checkers, prints every node's log when the test failed, and stops the agents. Register
 * with {@code @RegisterExtension final ClusterGuard guard = new ClusterGuard();}.
 */
public final class ClusterGuard implements AfterEachCallback {
  private final List<ProcessCluster> clusters = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  /** A new cluster under {@code base} with default settings (nothing started). */
  public ProcessCluster cluster(Path base) throws IOException {
    return cluster(base, "");
  }

  /** A new cluster under {@code base}; {@code extraYaml} is added to the top-level keys. */
  public ProcessCluster cluster(Path base, String extraYaml) throws IOException {
    ProcessCluster c = new ProcessCluster(base, extraYaml);
    clusters.add(c);
    return c;
  }

  /** Closed (before the agents stop) after the test. */
  public <T extends AutoCloseable> T track(T closeable) {
    closeables.add(closeable);
    return closeable;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        // Already reported by the test's own assertion, if it mattered; keep stopping the rest.
        System.out.println("e2e: closing " + c + ": " + e);
      }
    }
    closeables.clear();
    boolean failed = context.getExecutionException().isPresent();
    for (ProcessCluster c : clusters) {
      if (failed) {
        System.out.println("e2e: " + context.getDisplayName() + " failed; logs under " + c.base());
        c.printLogs();
      }
      c.close();
    }
    clusters.clear();
  }
}
