package org.replicator.agent.hooks;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.replicator.core.config.HookConfig;
import org.replicator.core.op.Op;

/**
 * A slave's post-apply hooks (docs/configuration.md, "Hooks"): the {@link BatchListener} the
 * apply loop calls, the executor hooks run on, and what status and metrics show of them.
 *
 * <p>Hooks run after the batch is acknowledged and never on the apply loop's thread: a slow,
 * failing or hanging hook cannot delay replication. The executor has {@link #THREADS} threads and
 * a queue of {@link #MAX_HOOKS} tasks, which is enough because each hook has at most one task
 * queued or running ({@link HookRunner}).
 *
 * <p>Threads: {@link #opApplied} and {@link #batchAcked} on the apply loop; {@link #update} on
 * the control thread (a reload); {@code runners} is a volatile, immutable list swapped whole.
 */
public final class Hooks implements BatchListener, AutoCloseable {
  static final int THREADS = 2;
  static final int MAX_HOOKS = HookConfig.MAX_HOOKS;

  private final Path docroot;
  private final String node;
  private final HookCounters counters = new HookCounters();
  private final ThreadPoolExecutor executor;
  private volatile List<HookRunner> runners = List.of();

  public Hooks(String node, Path docroot, List<HookConfig> hooks) {
    this.node = node;
    this.docroot = docroot;
    this.executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(MAX_HOOKS), r -> {
      Thread t = new Thread(r, "replicator-hook");
      t.setDaemon(true);
      return t;
    });
    executor.allowCoreThreadTimeOut(true);
    update(hooks);
  }

  /**
   * Replaces the hook list (a reload): a hook whose config is unchanged keeps its state and pending
   * paths; a removed or changed one stops scheduling runs (a run in progress finishes).
   */
  public synchronized void update(List<HookConfig> hooks) {
    if (hooks.size() > MAX_HOOKS) {
      throw new IllegalArgumentException(hooks.size() + " hooks configured; at most " + MAX_HOOKS + " are supported");
    }
    List<HookRunner> old = runners;
    List<HookRunner> next = new ArrayList<>();
    for (HookConfig h : hooks) {
      HookRunner kept = old.stream().filter(r -> r.hook.equals(h)).findFirst().orElse(null);
      next.add(kept != null ? kept : new HookRunner(h, docroot, node, executor, counters));
    }
    for (HookRunner r : old) {
      if (!next.contains(r)) {
        r.close();
      }
    }
    runners = List.copyOf(next);
  }

  @Override
  public void opApplied(Op op) {
    List<HookRunner> rs = runners;
    if (rs.isEmpty()) {
      return;
    }
    for (HookRunner r : rs) {
      if (op instanceof Op.Move m) {
        // Both ends changed: the old name is gone, the new one appeared. Either may be a directory.
        r.stage(m.from(), false, true);
        r.stage(m.path(), false, true);
      } else {
        r.stage(op.path(), op instanceof Op.Mkdir, op instanceof Op.Delete);
      }
    }
  }

  @Override
  public void batchAcked(long seq) {
    for (HookRunner r : runners) {
      r.commit(seq);
    }
  }

  /** Per hook: name, runs, last run, and its last failure until it next succeeds. */
  public List<Map<String, Object>> status() {
    return runners.stream().map(HookRunner::toJson).toList();
  }

  /** The failures of hooks that have not succeeded since (for the status summary). */
  public List<HookFailure> currentFailures() {
    List<HookFailure> out = new ArrayList<>();
    for (HookRunner r : runners) {
      HookFailure f = r.lastFailure();
      if (f != null) {
        out.add(f);
      }
    }
    return out;
  }

  public long runs() {
    return counters.runs();
  }

  public long failures() {
    return counters.failures();
  }

  /** Kills running hooks (with their child processes) and drops pending runs. */
  @Override
  public void close() {
    for (HookRunner r : runners) {
      r.close();
    }
    executor.shutdownNow();
  }
}
