package org.replicator.agent.hooks;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.replicator.core.config.HookConfig;
import org.replicator.core.ignore.ExcludeMatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One configured hook on a slave: collects the matching paths of the open batch, and once the
 * batch is acknowledged hands them to the shared hook executor. At most one run of a hook is queued
 * or running; paths acknowledged meanwhile wait in one capped {@link PathSet} and go to the next
 * run together (a slow hook coalesces, it never queues a run per batch).
 *
 * <p>Threads: {@link #stage} and {@link #commit} on the apply loop's thread ({@code staged} is
 * confined to it); runs on an executor thread; {@code pending}, {@code pendingSeq} and
 * {@code scheduled} are guarded by {@code this}.
 */
final class HookRunner {
  private static final Logger log = LoggerFactory.getLogger(HookRunner.class);

  final HookConfig hook;
  private final ExcludeMatcher matcher;
  private final Path docroot;
  private final String node;
  private final Executor executor;
  private final HookCounters counters;

  private final PathSet staged = new PathSet();
  private final PathSet pending = new PathSet();
  private long pendingSeq;
  private boolean scheduled;
  private boolean closed;
  private long runs;
  private long lastRunAtMillis;
  private HookFailure lastFailure;

  HookRunner(HookConfig hook, Path docroot, String node, Executor executor, HookCounters counters) {
    this.hook = hook;
    this.matcher = hook.matcher();
    this.docroot = docroot;
    this.node = node;
    this.executor = executor;
    this.counters = counters;
  }

  /** Apply thread: records {@code path} for this batch if the hook's patterns select it. */
  void stage(String path, boolean directory, boolean maybeDirectory) {
    if (matcher.excludedOrUnder(path, directory) || (maybeDirectory && matcher.excludedOrUnder(path, true))) {
      staged.add(path);
    }
  }

  /** Apply thread: batch {@code seq} is acknowledged; its paths become a (coalesced) run. */
  void commit(long seq) {
    if (staged.isEmpty()) {
      return;
    }
    synchronized (this) {
      pending.addAll(staged);
      staged.clear();
      pendingSeq = seq;
      if (scheduled || closed) {
        return;
      }
      scheduled = true;
    }
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      // The agent is stopping (the executor is shut down): the paths are dropped with it.
      synchronized (this) {
        scheduled = false;
      }
    }
  }

  /** Executor thread: runs until nothing is pending, one run at a time. */
  private void drain() {
    while (true) {
      List<String> paths;
      boolean truncated;
      long seq;
      synchronized (this) {
        if (pending.isEmpty() || closed) {
          scheduled = false;
          return;
        }
        paths = pending.list();
        truncated = pending.truncated();
        seq = pendingSeq;
        pending.clear();
      }
      runOnce(paths, truncated, seq);
    }
  }

  private void runOnce(List<String> paths, boolean truncated, long seq) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("REPLICATOR_HOOK", hook.name());
    env.put("REPLICATOR_NODE", node);
    env.put("REPLICATOR_DOCROOT", docroot.toString());
    env.put("REPLICATOR_BATCH_SEQ", Long.toString(seq));
    env.put("REPLICATOR_PATH_COUNT", Integer.toString(paths.size()));
    env.put("REPLICATOR_PATHS_TRUNCATED", truncated ? "1" : "0");
    HookOutcome outcome = HookProcess.run(hook, docroot, paths, env);
    long now = System.currentTimeMillis();
    synchronized (this) {
      if (closed) {
        return; // the agent stopped (the run was killed) or a reload removed the hook: not a failure of the hook
      }
    }
    counters.ran();
    synchronized (this) {
      runs++;
      lastRunAtMillis = now;
    }
    if (outcome.succeeded()) {
      synchronized (this) {
        lastFailure = null;
      }
      log.debug("hook={} seq={} paths={} ok in {} ms", hook.name(), seq, paths.size(), outcome.millis());
      return;
    }
    counters.failed();
    String reason = outcome.describe(hook.timeoutSeconds());
    HookFailure failure = new HookFailure(hook.name(), seq, now, outcome.exitCode(), outcome.timedOut(), reason, outcome.stderrTail());
    synchronized (this) {
      lastFailure = failure;
    }
    log.warn("hook={} seq={} paths={} failed: {}; replication continues; stderr: \"{}\"", hook.name(), seq, paths.size(), reason,
        lastLine(outcome.stderrTail()));
  }

  /** The last non-empty stderr line, short enough for one log line. */
  private static String lastLine(String tail) {
    String t = tail.strip();
    String line = t.substring(t.lastIndexOf('\n') + 1);
    return line.length() > 200 ? line.substring(line.length() - 200) : line;
  }

  /** Stops scheduling runs; a run in progress finishes. Pending paths are dropped. */
  synchronized void close() {
    closed = true;
    pending.clear();
  }

  synchronized HookFailure lastFailure() {
    return lastFailure;
  }

  synchronized Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", hook.name());
    m.put("runs", runs);
    m.put("lastRunAt", lastRunAtMillis == 0 ? null : java.time.Instant.ofEpochMilli(lastRunAtMillis).toString());
    m.put("running", scheduled);
    if (lastFailure == null) {
      m.put("lastFailure", null);
    } else {
      Map<String, Object> f = new LinkedHashMap<>();
      f.put("at", java.time.Instant.ofEpochMilli(lastFailure.atMillis()).toString());
      f.put("seq", lastFailure.seq());
      f.put("exitCode", lastFailure.exitCode());
      f.put("timedOut", lastFailure.timedOut());
      f.put("reason", lastFailure.reason());
      f.put("stderrTail", lastFailure.stderrTail());
      m.put("lastFailure", f);
    }
    return m;
  }
}
