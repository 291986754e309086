package org.replicator.cli.output;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Progress of a running {@code verify} or {@code resync}, drawn from the {@code check} object of
 * each slave in the master's status: a bar redrawn in place on a terminal, a plain line every
 * {@link #LINE_EVERY_NANOS} otherwise (logs, CI). What a check waits for ("waiting for slave web2
 * to connect") is said at once, on a line of its own, each time it changes. Not thread safe: one
 * caller polls and draws.
 */
public final class CheckProgress {
  /** Cadence of the plain lines when the output is not a terminal. */
  static final long LINE_EVERY_NANOS = 5_000_000_000L;
  private static final int WIDTH = 20;

  private final PrintWriter out;
  private final boolean terminal;
  private final LongSupplier nanos;
  private final long started;
  private final Map<String, String> waitingSaid = new HashMap<>();
  private long lastLine;
  private boolean anyLine;
  private boolean drawn;

  public CheckProgress(PrintWriter out, boolean terminal, LongSupplier nanos) {
    this.out = out;
    this.terminal = terminal;
    this.nanos = nanos;
    this.started = nanos.getAsLong();
  }

  /** {@code slaves}: the {@code slaves} array of the master's status, or null when it did not answer. */
  public void show(JsonNode slaves) {
    if (slaves == null) {
      return;
    }
    StringBuilder line = new StringBuilder();
    for (JsonNode s : slaves) {
      JsonNode c = s.path("check");
      if (c.isMissingNode() || c.isNull()) {
        continue;
      }
      String name = s.path("name").asText();
      if (c.path("phase").asText().equals("waiting")) {
        String what = c.path("waitingFor").asText("waiting for slave " + name);
        if (!what.equals(waitingSaid.put(name, what))) {
          endBar();
          out.println(name + ": " + what);
        }
        continue;
      }
      waitingSaid.remove(name);
      line.append(segment(name, c)).append("  ");
    }
    if (line.length() > 0) {
      long now = nanos.getAsLong();
      if (terminal) {
        out.print("\r" + line);
        drawn = true;
      } else if (!anyLine || now - lastLine >= LINE_EVERY_NANOS) {
        out.printf(Locale.ROOT, "[%5.1fs] %s%n", (now - started) / 1e9, line.toString().trim());
        lastLine = now;
        anyLine = true;
      }
    }
    out.flush();
  }

  /** Ends a bar left on the terminal's last line. */
  public void done() {
    endBar();
    out.flush();
  }

  private void endBar() {
    if (drawn) {
      out.println();
      drawn = false;
    }
  }

  private static String segment(String name, JsonNode c) {
    String phase = c.path("phase").asText();
    double seconds = Math.max(0.001, c.path("elapsedMillis").asLong() / 1000.0);
    if (phase.equals("comparing")) {
      return String.format(Locale.ROOT, "%s comparing (the slave lists and hashes its tree) %.0f s", name, seconds);
    }
    long files = c.path("filesDone").asLong();
    long filesTotal = c.path("filesTotal").asLong();
    long bytes = c.path("bytesDone").asLong();
    long bytesTotal = c.path("bytesTotal").asLong();
    double rate = bytes / seconds;
    String eta = rate > 0 && bytesTotal > bytes ? String.format(Locale.ROOT, " ETA %ds", (long) ((bytesTotal - bytes) / rate)) : "";
    int filled = bytesTotal > 0 ? (int) (WIDTH * bytes / bytesTotal) : (filesTotal > 0 ? (int) (WIDTH * files / filesTotal) : 0);
    filled = Math.max(0, Math.min(WIDTH, filled));
    return String.format(Locale.ROOT, "%s %s [%s%s] %d/%d files %s/%s %s/s%s", name, phase, "#".repeat(filled), ".".repeat(WIDTH - filled),
        files, filesTotal, bytes(bytes), bytes(bytesTotal), bytes((long) rate), eta);
  }

  public static String bytes(long n) {
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
