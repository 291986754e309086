package org.replicator.agent.hooks;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.replicator.core.config.HookConfig;

/**
 * Runs one hook process to its end or its timeout: argv from the config (no shell), the matching
 * paths as arguments or NUL-separated on stdin, the docroot as working directory, stdout
 * discarded, a bounded tail of stderr kept. At the timeout the whole process tree is killed,
 * descendants first (once the parent dies its children are re-parented and can no longer be
 * found). Blocks the calling thread; uses two short-lived threads for stdin and stderr.
 */
final class HookProcess {
  /** Bounded wait for the pipes after the process ended (a stray grandchild may hold them). */
  private static final long PIPE_JOIN_MILLIS = 2000;

  private HookProcess() {}

  static HookOutcome run(HookConfig hook, Path docroot, List<String> paths, Map<String, String> env) {
    long start = System.nanoTime();
    List<String> argv = new ArrayList<>(hook.run());
    boolean viaArgs = hook.paths() == HookConfig.PathPassing.ARGS;
    if (viaArgs) {
      argv.addAll(paths);
    }
    ProcessBuilder pb = new ProcessBuilder(argv)
        .directory(docroot.toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return new HookOutcome(-1, false, e.getMessage(), "", elapsed(start));
    }
    StderrTail tail = new StderrTail();
    Thread err = daemon(() -> tail.drain(p.getErrorStream()), "replicator-hook-stderr");
    Thread in = daemon(() -> feed(p.getOutputStream(), viaArgs ? List.of() : paths), "replicator-hook-stdin");
    boolean timedOut;
    try {
      timedOut = !p.waitFor(hook.timeoutSeconds(), TimeUnit.SECONDS);
      if (timedOut) {
        killTree(p);
        p.waitFor(5, TimeUnit.SECONDS);
      }
      err.join(PIPE_JOIN_MILLIS);
      in.join(PIPE_JOIN_MILLIS);
    } catch (InterruptedException e) {
      killTree(p);
      Thread.currentThread().interrupt();
      return new HookOutcome(-1, true, null, tail.text(), elapsed(start));
    }
    return new HookOutcome(timedOut ? -1 : p.exitValue(), timedOut, null, tail.text(), elapsed(start));
  }

  /** Each path followed by NUL; a hook that does not read stdin just closes the pipe. */
  private static void feed(OutputStream out, List<String> paths) {
    try (OutputStream o = new java.io.BufferedOutputStream(out)) {
      for (String path : paths) {
        o.write(path.getBytes(StandardCharsets.UTF_8));
        o.write(0);
      }
    } catch (IOException e) {
      // Broken pipe: the hook exited or closed stdin without reading it, which it may.
    }
  }

  static void killTree(Process p) {
    // Twice: a child may have forked between the first listing and its kill.
    for (int round = 0; round < 2; round++) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
    }
    p.destroyForcibly();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static long elapsed(long start) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }
}
