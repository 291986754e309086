package org.replicator.agent.health;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import org.replicator.core.health.Freshness;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewrites a slave's freshness file ({@link Freshness#RELATIVE_PATH} in its docroot) every second,
 * atomically (temp file, rename), so that a reader sees the old content or the new, never a mix.
 * No fsync: after a crash a missing or empty file reads as stale, which is what a crashed agent is.
 *
 * <p>Why in the docroot: the web server's health check runs as the web user, who can read the
 * docroot but not the state_dir (0700); and {@code .replicator/} is never replicated or compared.
 * Nginx must not serve it (docs/operations.md). Stopping the writer leaves the file in place on
 * purpose: its heartbeat then ages and the health check fails.
 *
 * <p>Threads: one scheduler thread of its own, {@code replicator-freshness}.
 */
public final class FreshnessWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FreshnessWriter.class);
  static final long PERIOD_MILLIS = 1000;

  private final Path file;
  private final Path temp;
  private final LongFunction<Freshness> content;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "replicator-freshness");
    t.setDaemon(true);
    return t;
  });
  /** Scheduler thread only: the last failure logged, so a lasting one logs once. */
  private String lastFailure;

  /** @param content the file's content for a wall-clock time in epoch ms */
  public FreshnessWriter(Path docroot, LongFunction<Freshness> content) {
    this.file = docroot.resolve(Freshness.RELATIVE_PATH);
    this.temp = file.resolveSibling("freshness.tmp");
    this.content = Objects.requireNonNull(content, "content");
  }

  public Path file() {
    return file;
  }

  public void start() {
    try {
      openToTheWebUser(file.getParent());
    } catch (IOException e) {
      log.warn("event=freshness-folder-mode dir={} cause=\"{}\" (the web user may not reach the freshness file; its health check would then fail)",
          file.getParent(), e.toString());
    }
    scheduler.scheduleAtFixedRate(this::writeSafely, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Writes the file now; the scheduler calls this every second. */
  void write() throws IOException {
    if (!Files.isDirectory(file.getParent())) {
      Files.createDirectories(file.getParent());
      openToTheWebUser(file.getParent());
    }
    Files.writeString(temp, content.apply(System.currentTimeMillis()).format(), StandardCharsets.UTF_8);
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * The health check runs as the web user, the agent usually as root: {@code .replicator/} (made
   * 0700 by older versions) must let others traverse it, without listing it (0711). The files in
   * it keep their own modes; the temp folder of the applier stays 0700.
   */
  static void openToTheWebUser(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir);
    if (!perms.contains(PosixFilePermission.OTHERS_EXECUTE) || !perms.contains(PosixFilePermission.GROUP_EXECUTE)) {
      perms.add(PosixFilePermission.GROUP_EXECUTE);
      perms.add(PosixFilePermission.OTHERS_EXECUTE);
      Files.setPosixFilePermissions(dir, perms);
      log.info("event=freshness-folder-opened dir={} mode={} (the web server's health check reads the freshness file)",
          dir, PosixFilePermissions.toString(perms));
    }
  }

  private void writeSafely() {
    try {
      write();
      if (lastFailure != null) {
        log.info("event=freshness-written file={} (writing again after: {})", file, lastFailure);
        lastFailure = null;
      }
    } catch (IOException | RuntimeException e) {
      // Keep the schedule alive: a full disk heals, and meanwhile the heartbeat ages (health check fails).
      String failure = e.toString();
      if (!failure.equals(lastFailure)) {
        log.warn("event=freshness-failed file={} cause=\"{}\" (web health checks will see it stale)", file, failure);
        lastFailure = failure;
      }
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
