package org.replicator.agent.systemd;

import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends {@code READY=1} once the agent serves, then keeps systemd's {@code STATUS=} current: the
 * line is recomputed every {@link #PERIOD_SECONDS} seconds and sent only when it changed. Owns one
 * daemon thread while started; does nothing when the notifier is not enabled.
 */
public final class StatusReporter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusReporter.class);
  /** Often enough for an operator running systemctl status; the line costs one status() call. */
  static final long PERIOD_SECONDS = 5;

  private final SystemdNotifier notifier;
  private final Supplier<String> line;
  private ScheduledExecutorService timer;
  private String last;

  public StatusReporter(SystemdNotifier notifier, Supplier<String> line) {
    this.notifier = notifier;
    this.line = line;
  }

  /** READY=1 with the current line, then periodic updates. */
  public synchronized void ready() {
    if (!notifier.enabled()) {
      return;
    }
    last = line.get();
    notifier.ready(last);
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "replicator-status");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(this::update, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
  }

  synchronized void update() {
    try {
      String now = line.get();
      if (!Objects.equals(now, last)) {
        last = now;
        notifier.status(now);
      }
    } catch (RuntimeException e) {
      // A status that cannot be computed this time is not worth stopping the updates for.
      log.debug("status line for systemd: {}", e.toString());
    }
  }

  /** STOPPING=1 and no more updates. */
  @Override
  public synchronized void close() {
    if (timer != null) {
      timer.shutdownNow();
      timer = null;
    }
    notifier.stopping();
    notifier.close();
  }
}
