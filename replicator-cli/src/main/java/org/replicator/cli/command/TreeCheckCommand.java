package org.replicator.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.replicator.cli.ExitCode;
import org.replicator.cli.UsageException;
import org.replicator.cli.output.CheckProgress;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.config.Role;

/**
 * What {@code verify} and {@code resync} share: ask the master's agent to compare (and repair)
 * the trees of one slave or all, show progress on stderr while it runs, print a report on stdout,
 * map it to an exit code. The agent does the work (it holds the index and the connections); this
 * only talks to its control socket. The request's connection stays open until the answer: when
 * this process ends early (Ctrl-C, killed), the agent sees the connection close and cancels the
 * check, so the next one is not refused.
 */
final class TreeCheckCommand {
  private final ClusterConfig cluster;
  private final NodeConfig master;
  private final PrintWriter out;
  private final PrintWriter err;
  private final boolean terminal;

  TreeCheckCommand(ConfigOptions options, String command, PrintWriter out, PrintWriter err, boolean terminal) throws Exception {
    this.cluster = options.load();
    this.master = options.master(cluster, command);
    this.out = out;
    this.err = err;
    this.terminal = terminal;
  }

  /** Runs the check; returns the exit code (0 in sync or repaired, 1 differences or failures). */
  int run(String command, String slave) throws Exception {
    if (slave != null && cluster.node(slave).role() != Role.SLAVE) { // an unknown name: a usage error, with the list
      throw new UsageException("--slave " + slave + " is the master; name a slave or drop --slave");
    }
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("command", command);
    request.put("slave", slave == null ? "" : slave);
    CompletableFuture<JsonNode> call = CompletableFuture.supplyAsync(() -> {
      try {
        return AgentCall.call(cluster, master, request);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    CheckProgress progress = new CheckProgress(err, terminal, System::nanoTime);
    JsonNode result;
    while (true) {
      try {
        result = call.get(terminal ? 250 : 1000, TimeUnit.MILLISECONDS);
        break;
      } catch (TimeoutException e) {
        progress.show(statusOfChecks());
      } catch (ExecutionException e) {
        progress.done();
        Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
        if (cause instanceof Exception ex) {
          throw ex;
        }
        throw e;
      }
    }
    progress.done();
    return report(command, result);
  }

  private JsonNode statusOfChecks() {
    try {
      return AgentCall.call(cluster, master, Map.of("command", "status")).path("slaves");
    } catch (IOException e) {
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
            CheckProgress.bytes(s.path("bytes").asLong()), s.path("millis").asLong() / 1000.0,
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
}
