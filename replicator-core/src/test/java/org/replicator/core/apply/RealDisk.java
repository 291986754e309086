package org.replicator.core.apply;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What java.nio cannot tell about a file on the real disk, asked of coreutils' {@code stat}. */
final class RealDisk {
  private RealDisk() {}

  /** True when {@code stat} runs here (Linux with coreutils). */
  static boolean hasStat() {
    try {
      Process p = new ProcessBuilder("stat", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Bytes actually allocated to {@code file} (blocks × block unit), which holes do not count. */
  static long allocatedBytes(Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("stat", "--format=%b %B", file.toString()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("stat failed on " + file + ": " + out);
    }
    String[] parts = out.split(" ");
    return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
  }
}
