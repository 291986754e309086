package org.replicator.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plugin update benchmark, not a test: a 2,000-file plugin replaced the way WordPress's upgrader
 * does it (delete the directory, copy the new version file by file) on the master; a reader on the
 * target lists and reads the plugin directory in a loop. Measures, per run, the time from the
 * master's last write until the reader first sees the whole new version, and the mixed-view
 * window: from the first to the last read that saw neither version whole (0 when none did).
 * Replicator with the directory swap (default), Replicator without it ({@code swap_directories:
 * []}), and rsync {@code -a --delete} started right after the last write (what lsyncd runs, without
 * its delay). Prints medians; asserts nothing. Run by hand:
 * {@code mvn -o verify -pl replicator-agent -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=UpdateSwapBenchIT -DexcludedTestGroups=none | grep UPDATE}
 */
@Tag("manual")
class UpdateSwapBenchIT {
  private static final String PLUGIN = "wp-content/plugins/big";
  private static final int FILES = 2000;
  private static final int SIZE = 3000;
  private static final int RUNS = 3;
  @TempDir Path dir;

  @Test
  void pluginUpdateWithAndWithoutTheSwapAndRsync() throws Exception {
    List<String> lines = new ArrayList<>();
    lines.add(measure("swap", "transport: plain\n", false));
    lines.add(measure("no-swap", "transport: plain\nswap_directories: []\n", false));
    lines.add(measure("rsync", null, true));
    for (String l : lines) {
      System.out.println("UPDATE " + l);
    }
  }

  private static TreeMap<String, String> version(String v) {
    TreeMap<String, String> t = new TreeMap<>();
    for (int i = 0; i < FILES; i++) {
      t.put("f" + i + ".php", new String(NoPartialFileIT.content("f" + i, v, SIZE), StandardCharsets.UTF_8));
    }
    return t;
  }

  private static void write(Path plugin, TreeMap<String, String> files) throws IOException {
    Files.createDirectories(plugin);
    for (var e : files.entrySet()) {
      Files.writeString(plugin.resolve(e.getKey()), e.getValue());
    }
  }

  private static void delete(Path plugin) throws IOException {
    try (var old = Files.list(plugin)) {
      for (Path f : old.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(plugin);
  }

  private String measure(String name, String yaml, boolean rsync) throws Exception {
    List<Long> appear = new ArrayList<>();
    List<Long> mixed = new ArrayList<>();
    List<Long> mixedReads = new ArrayList<>();
    for (int run = 0; run < RUNS; run++) {
      Path base = dir.resolve(name + run);
      InProcessCluster cluster = null;
      Path master;
      Path target;
      if (rsync) {
        master = Files.createDirectories(base.resolve("master"));
        target = Files.createDirectories(base.resolve("target"));
      } else {
        cluster = new InProcessCluster(base, 1, yaml);
        cluster.startAll();
        master = cluster.docroot("master");
        target = cluster.docroot("slave1");
      }
      try {
        String from = run % 2 == 0 ? "a" : "b";
        String to = run % 2 == 0 ? "b" : "a";
        write(master.resolve(PLUGIN), version(from));
        if (rsync) {
          rsync(master, target);
        } else {
          cluster.awaitApplied();
        }
        Reader reader = new Reader(target.resolve(PLUGIN), version(from), version(to));
        delete(master.resolve(PLUGIN));
        write(master.resolve(PLUGIN), version(to));
        long lastWrite = System.nanoTime();
        if (rsync) {
          rsync(master, target);
        } else {
          cluster.awaitApplied();
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (reader.newSeenAt == 0 && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        reader.close();
        appear.add(reader.newSeenAt - lastWrite);
        mixed.add(reader.mixedReads == 0 ? 0 : reader.lastMixedEnd - reader.firstMixedStart);
        mixedReads.add(reader.mixedReads);
      } finally {
        if (cluster != null) {
          cluster.close();
        }
      }
    }
    return String.format(Locale.ROOT, "%s files=%d appear_ms_median=%.0f appear_ms=%s mixed_window_ms_median=%.1f mixed_reads=%s",
        name, FILES, median(appear) / 1e6, ms(appear), median(mixed) / 1e6, mixedReads);
  }

  private static void rsync(Path from, Path to) throws Exception {
    Process p = new ProcessBuilder("rsync", "-a", "--delete", from + "/", to + "/").inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("rsync exited " + p.exitValue());
    }
  }

  private static double median(List<Long> v) {
    List<Long> s = new ArrayList<>(v);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }

  private static List<Long> ms(List<Long> v) {
    return v.stream().map(n -> n / 1_000_000).toList();
  }

  /** Reads the plugin directory in a loop; a read counts when the directory was the same before and after it. */
  static final class Reader implements AutoCloseable {
    private final Path plugin;
    private final TreeMap<String, String> before;
    private final TreeMap<String, String> after;
    private final Thread thread;
    private volatile boolean stop;
    volatile long newSeenAt;
    volatile long firstMixedStart;
    volatile long lastMixedEnd;
    volatile long mixedReads;

    Reader(Path plugin, TreeMap<String, String> before, TreeMap<String, String> after) {
      this.plugin = plugin;
      this.before = before;
      this.after = after;
      thread = new Thread(this::run, "bench-reader");
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      while (!stop) {
        long start = System.nanoTime();
        TreeMap<String, String> seen = new TreeMap<>();
        long d1 = inode();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(plugin)) {
          for (Path f : files) {
            try {
              seen.put(f.getFileName().toString(), Files.readString(f));
            } catch (NoSuchFileException e) {
              seen.put(f.getFileName().toString(), "(gone)");
            }
          }
        } catch (IOException e) {
          seen.put("(directory)", "absent"); // between delete and new version: a reader gets errors
        }
        long end = System.nanoTime();
        if (inode() != d1) {
          continue; // read across an exchange: the directory changed under it
        }
        if (seen.equals(after)) {
          if (newSeenAt == 0) {
            newSeenAt = end;
          }
          if (mixedReads == 0) {
            continue;
          }
        } else if (!seen.equals(before)) {
          if (mixedReads++ == 0) {
            firstMixedStart = start;
          }
          lastMixedEnd = end;
        }
      }
    }

    private long inode() {
      try {
        return ((Number) Files.getAttribute(plugin, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
      } catch (IOException e) {
        return -1;
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join(10_000);
    }
  }
}
