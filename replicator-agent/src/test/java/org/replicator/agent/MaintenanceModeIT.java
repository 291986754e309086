package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WordPress's maintenance mode survives replication: a reader on the slave, polling all along,
 * sees the old tree, or {@code .maintenance}, or the new tree, never a mix without the file. The
 * writer plays the upgrader's sequence on the master (create {@code .maintenance}, delete the
 * plugin directory, copy the new version file by file, rewrite a core file, delete {@code
 * .maintenance}). Real inotify, real disk, master and slave in this JVM.
 */
class MaintenanceModeIT {
  private static final String PLUGIN = "wp-content/plugins/hello";
  private static final String CORE = "wp-includes/version.php";
  private static final int FILES = 200;
  @TempDir Path dir;
  private InProcessCluster cluster;
  private TreeReader reader;

  @AfterEach
  void stop() throws Exception {
    if (reader != null) {
      reader.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private Path master() {
    return cluster.docroot("master");
  }

  private Path slave() {
    return cluster.docroot("slave1");
  }

  private static String content(String name, String version) {
    return new String(NoPartialFileIT.content(name, version, 1500), StandardCharsets.UTF_8);
  }

  /** What the tree holds at {@code version}: file name (plugin files and the core file) to content. */
  private static TreeMap<String, String> tree(String version) {
    TreeMap<String, String> t = new TreeMap<>();
    for (int i = 0; i < FILES; i++) {
      t.put("f" + i + ".php", content("f" + i + ".php", version));
    }
    t.put("version.php", content("version.php", version));
    return t;
  }

  private void write(String version) throws IOException {
    Path plugin = Files.createDirectories(master().resolve(PLUGIN));
    for (int i = 0; i < FILES; i++) {
      Files.writeString(plugin.resolve("f" + i + ".php"), content("f" + i + ".php", version));
    }
    Files.createDirectories(master().resolve(CORE).getParent());
    Files.writeString(master().resolve(CORE), content("version.php", version));
  }

  private void start() throws Exception {
    // Swaps off: what is checked here is maintenance mode alone (DirectorySwapIT checks the swap).
    cluster = new InProcessCluster(dir, 1, "transport: plain\nswap_directories: []\n");
    cluster.startAll();
    write("v1");
    assertThat(cluster.awaitApplied()).isTrue();
    assertThat(cluster.differences()).isEmpty();
    reader = new TreeReader(slave(), tree("v1"), tree("v2"));
  }

  /**
   * The upgrader's steps, each file written whole, with {@code pauseMillis} between files and
   * {@code lingerMillis} in maintenance mode after the last one.
   */
  private void upgrade(long pauseMillis, long lingerMillis) throws Exception {
    Files.writeString(master().resolve(".maintenance"), "<?php $upgrading = " + System.currentTimeMillis() / 1000 + "; ?>");
    try (var old = Files.list(master().resolve(PLUGIN))) {
      for (Path f : old.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(master().resolve(PLUGIN));
    Path plugin = Files.createDirectories(master().resolve(PLUGIN));
    for (int i = 0; i < FILES; i++) {
      Files.writeString(plugin.resolve("f" + i + ".php"), content("f" + i + ".php", "v2"));
      if (pauseMillis > 0) {
        Thread.sleep(pauseMillis); // the upgrader's own pace: the scenario, not a wait for the system
      }
    }
    Files.writeString(master().resolve(CORE), content("version.php", "v2"));
    if (lingerMillis > 0) {
      Thread.sleep(lingerMillis); // WordPress clears its upgrade folder before it leaves maintenance mode
    }
    Files.delete(master().resolve(".maintenance"));
  }

  @Test
  void anUpdateThePlannerReachesOnlyAfterItEndedIsStillBehindMaintenanceOnTheSlave() throws Exception {
    start();

    // The planner is stopped by a held mass delete while the whole update happens, so that it
    // finds .maintenance already gone when it gets there: without the barrier, the update then
    // reached the slave with no .maintenance at all, applied file by file, unprotected.
    Path old = Files.createDirectories(master().resolve("wp-content/uploads/old"));
    for (int i = 0; i < 600; i++) {
      Files.writeString(old.resolve("img" + i + ".jpg"), "x");
    }
    assertThat(cluster.awaitApplied()).isTrue();
    try (var files = Files.list(old)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(old);
    await("the mass delete is held").atMost(Duration.ofSeconds(30))
        .until(() -> "held".equals(cluster.masterStatus().path("state").asText()));
    upgrade(0, 0);
    cluster.master().confirmDelete();
    assertThat(cluster.awaitApplied()).isTrue();

    reader.assertNeverAMix();
    assertThat(slave().resolve(".maintenance")).doesNotExist();
    assertThat(cluster.differences()).isEmpty();
  }

  @Test
  void aSlowUpdateOverManyBatchesIsBehindMaintenanceOnTheSlave() throws Exception {
    start();

    upgrade(5, 300); // pauses past the 2 ms quiet gap: one batch per file or so
    assertThat(cluster.awaitApplied()).isTrue();

    reader.assertNeverAMix();
    assertThat(slave().resolve(".maintenance")).doesNotExist();
    assertThat(cluster.differences()).isEmpty();
  }

  /**
   * Polls the slave's tree in a loop on its own thread. A read counts only when {@code
   * .maintenance} was absent both before and after it (the slave then served the tree it read);
   * such a read must equal the old or the new tree. A whole maintenance window fitting between
   * the two checks of one read would hide a mix: a read takes a few milliseconds (page cache), the
   * slave's window at least the apply of 200 fsync'd files.
   */
  static final class TreeReader implements AutoCloseable {
    private final Path root;
    private final TreeMap<String, String> before;
    private final TreeMap<String, String> after;
    private final List<String> bad = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile long counted;
    private volatile long maintenanceSeen;

    TreeReader(Path root, TreeMap<String, String> before, TreeMap<String, String> after) {
      this.root = root;
      this.before = before;
      this.after = after;
      thread = new Thread(this::run, "slave-tree-reader");
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      while (!stop) {
        boolean m1 = Files.exists(root.resolve(".maintenance"));
        TreeMap<String, String> seen = read();
        boolean m2 = Files.exists(root.resolve(".maintenance"));
        if (m1 || m2) {
          maintenanceSeen++;
        } else {
          counted++;
          if (!seen.equals(before) && !seen.equals(after) && bad.size() < 20) {
            bad.add(describe(seen));
          }
        }
        Thread.yield();
      }
    }

    private TreeMap<String, String> read() {
      TreeMap<String, String> seen = new TreeMap<>();
      try (DirectoryStream<Path> files = Files.newDirectoryStream(root.resolve(PLUGIN))) {
        for (Path f : files) {
          seen.put(f.getFileName().toString(), readOrGone(f));
        }
      } catch (IOException e) {
        seen.put("(plugin directory)", "unreadable: " + e.getClass().getSimpleName());
      }
      seen.put("version.php", readOrGone(root.resolve(CORE)));
      return seen;
    }

    private static String readOrGone(Path f) {
      try {
        return Files.readString(f);
      } catch (NoSuchFileException e) {
        return "(gone)";
      } catch (IOException e) {
        return "unreadable: " + e;
      }
    }

    private String describe(TreeMap<String, String> seen) {
      int v1 = 0;
      int v2 = 0;
      for (var e : seen.entrySet()) {
        v1 += e.getValue().equals(before.get(e.getKey())) ? 1 : 0;
        v2 += e.getValue().equals(after.get(e.getKey())) ? 1 : 0;
      }
      return seen.size() + " entries without .maintenance: " + v1 + " old, " + v2 + " new";
    }

    void assertNeverAMix() throws InterruptedException {
      close();
      assertThat(counted).as("reads of the slave without maintenance mode").isPositive();
      assertThat(maintenanceSeen).as("reads that saw .maintenance on the slave").isPositive();
      assertThat(new ArrayList<>(bad)).as("mixed trees served without .maintenance").isEmpty();
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join(10_000);
    }
  }
}
