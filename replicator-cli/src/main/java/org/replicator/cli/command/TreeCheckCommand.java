package org.replicator.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.replicator.agent.control.ControlClient;
import org.replicator.cli.ExitCode;
import org.replicator.core.config.ClusterConfig;

/**
 * What {@code verify} and {@code resync} share: ask the master's agent to compare (and repair)
 * the trees of one slave or all, show progress while it runs, print a report, map it to an exit
 * code. The agent does the work (it holds the index and the connections); this only talks to its
 * control socket.
 */
final class TreeCheckCommand {
  private final ClusterConfig cluster;
  private final PrintWriter out;
  private final boolean terminal;

  TreeCheckCommand(ClusterConfig cluster, PrintWriter out, boolean terminal) {
    this.cluster = cluster;
    this.out = out;
    this.terminal = terminal;
  }

  /** Runs the check; returns the exit code (0 in sync or repaired, 1 differences or failures). */
  int run(String command, String slave, boolean showProgress) throws Exception {
    if (slave != null) {
      cluster.node(slave); // a name the file does not define is a usage error, with the list
    }
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("command", command);
    request.put("slave", slave == null ? "" : slave);
    CompletableFuture<JsonNode> call = CompletableFuture.supplyAsync(() -> {
      try {
        return ControlClient.call(cluster.stateDirOf(cluster.master()), request);
      } catch (java.io.IOException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    Progress progress = showProgress ? new Progress(out, terminal) : null;
    while (!call.isDone()) {
      try {
        JsonNode result = call.get(progress == null ? 60_000 : (terminal ? 250 : 5000), java.util.concurrent.TimeUnit.MILLISECONDS);
        if (result != null) {
          break;
        }
      } catch (java.util.concurrent.TimeoutException e) {
        if (progress != null) {
          progress.show(statusOfChecks());
        }
      }
    }
    JsonNode result;
    try {
      result = call.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
    if (progress != null) {
      progress.done();
    }
    return report(command, result);
  }

  private JsonNode statusOfChecks() {
    try {
      return ControlClient.call(cluster.stateDirOf(cluster.master()), Map.of("command", "status")).path("slaves");
    } catch (java.io.IOException e) {
      return null; // progress is best effort; the answer of the check itself decides
    }
  }

  private int report(String command, JsonNode result) {
    boolean bad = false;
    for (JsonNode s : result.path("slaves")) {
      String name = s.path("name").asText();
      if (s.has("error")) {
        out.println(name + ": " + command + " failed: " + s.path("error").asText());
        bad = true;
        continue;
      }
      long count = s.path("differenceCount").asLong();
      boolean repaired = s.path("repaired").asBoolean(false);
      if (count == 0) {
        out.printf(Locale.ROOT, "%s: in sync with the master at batch %d (%d entries compared, %.1f s)%n",
            name, s.path("seq").asLong(), s.path("entries").asLong(), s.path("millis").asLong() / 1000.0);
        continue;
      }
      out.printf(Locale.ROOT, "%s: %d difference%s at batch %d%s%n", name, count, count == 1 ? "" : "s", s.path("seq").asLong(),
          repaired ? "" : " (nothing changed)");
      for (JsonNode d : s.path("differences")) {
        out.println("  " + d.path("path").asText() + ": " + d.path("difference").asText());
      }
      if (count > s.path("differences").size()) {
        out.println("  ... " + (count - s.path("differences").size()) + " more");
      }
      if (repaired) {
        JsonNode failures = s.path("failures");
        out.printf(Locale.ROOT, "%s: repaired: %d files, %s sent in %.1f s%s%n", name, s.path("files").asLong(),
            Progress.bytes(s.path("bytes").asLong()), s.path("millis").asLong() / 1000.0,
            failures.isEmpty() ? "" : "; " + failures.size() + " paths failed, e.g. " + failures.get(0).path("path").asText()
                + ": " + failures.get(0).path("reason").asText());
        bad |= !failures.isEmpty();
      } else {
        bad = true;
      }
    }
    out.flush();
    return bad ? ExitCode.BEHIND : ExitCode.OK;
  }

  /** A progress bar on a terminal, a plain line every few seconds otherwise. */
  static final class Progress {
    private final PrintWriter out;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private boolean drawn;

    Progress(PrintWriter out, boolean terminal) {
      this.out = out;
      this.terminal = terminal;
    }

    void show(JsonNode slaves) {
      if (slaves == null) {
        return;
      }
      StringBuilder line = new StringBuilder();
      for (JsonNode s : slaves) {
        JsonNode c = s.path("check");
        if (c.isMissingNode() || c.isNull()) {
          continue;
        }
        long files = c.path("filesDone").asLong();
        long filesTotal = c.path("filesTotal").asLong();
        long bytes = c.path("bytesDone").asLong();
        long bytesTotal = c.path("bytesTotal").asLong();
        double seconds = Math.max(0.001, c.path("elapsedMillis").asLong() / 1000.0);
        double rate = bytes / seconds;
        String eta = rate > 0 && bytesTotal > bytes ? String.format(Locale.ROOT, " ETA %ds", (long) ((bytesTotal - bytes) / rate)) : "";
        int width = 20;
        int filled = bytesTotal > 0 ? (int) (width * bytes / bytesTotal) : (filesTotal > 0 ? (int) (width * files / filesTotal) : 0);
        line.append(String.format(Locale.ROOT, "%s %s [%s%s] %d/%d files %s/%s %s/s%s  ", s.path("name").asText(), c.path("phase").asText(),
            "#".repeat(filled), ".".repeat(width - filled), files, filesTotal, bytes(bytes), bytes(bytesTotal), bytes((long) rate), eta));
      }
      if (line.length() == 0) {
        return;
      }
      if (terminal) {
        out.print("\r" + line);
        drawn = true;
      } else {
        out.printf(Locale.ROOT, "[%5.1fs] %s%n", (System.nanoTime() - started) / 1e9, line.toString().trim());
      }
      out.flush();
    }

    void done() {
      if (drawn) {
        out.println();
        out.flush();
      }
    }

    static String bytes(long n) {
      if (n < 1024) {
        return n + " B";
      }
      if (n < 1024 * 1024) {
        return String.format(Locale.ROOT, "%.1f KiB", n / 1024.0);
      }
      if (n < 1024L * 1024 * 1024) {
        return String.format(Locale.ROOT, "%.1f MiB", n / 1048576.0);
      }
      return String.format(Locale.ROOT, "%.2f GiB", n / 1073741824.0);
    }
  }
}
