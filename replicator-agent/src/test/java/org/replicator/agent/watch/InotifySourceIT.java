package org.replicator.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.watch.inotify.Inotify;
import org.replicator.agent.watch.inotify.InotifyEvent;
import org.replicator.agent.watch.inotify.InotifyMask;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.watch.ChangeEvent;
import org.replicator.core.watch.ChangeSink;

/** The inotify source on the real kernel and disk: what a writer, a rename and a new tree become. */
class InotifySourceIT {
  private static final Duration BOUND = Duration.ofSeconds(10);
  @TempDir Path dir;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final List<String> barriers = new CopyOnWriteArrayList<>();
  private InotifySource source;

  private final ChangeSink sink = new ChangeSink() {
    @Override
    public void onEvent(ChangeEvent e) {
      seen.add(e.kind() + " " + (e.from() == null ? "" : e.from() + " -> ") + e.path());
    }

    @Override
    public void onRescan(String subtree, String cause, String detail) {
      seen.add("RESCAN " + subtree + " " + cause);
    }
  };

  private Path start() throws Exception {
    Path root = Files.createDirectories(dir.resolve("www"));
    Files.createDirectories(root.resolve(".replicator"));
    Files.createDirectories(root.resolve("wp-content/cache/page"));
    source = new InotifySource(root, new ExcludeMatcher(List.of("/wp-content/cache/")), barriers::add, Inotify.open());
    source.start(sink);
    return root;
  }

  @AfterEach
  void stop() throws Exception {
    if (source != null) {
      source.close();
    }
  }

  private void awaitSeen(String event) {
    await().atMost(BOUND).untilAsserted(() -> assertThat(seen).contains(event));
  }

  @Test
  void aWriterIsReportedOpenUntilItsCloseWrite() throws Exception {
    Path root = start();
    try (OutputStream out = Files.newOutputStream(root.resolve("a.php"))) {
      out.write("<?php".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      awaitSeen("MODIFY a.php");
      assertThat(seen).doesNotContain("CLOSE_WRITE a.php");
    }
    awaitSeen("CLOSE_WRITE a.php");
    assertThat(seen.indexOf("CREATE a.php")).isLessThan(seen.indexOf("MODIFY a.php"));
    assertThat(source.reportsCloseWrite()).isTrue();
  }

  @Test
  void renamesArriveAsOneMovedEventAndARenamedDirectoryKeepsReportingUnderItsNewName() throws Exception {
    Path root = start();
    Files.writeString(root.resolve("f"), "x");
    Files.createDirectories(root.resolve("old/sub"));
    awaitSeen("CREATE old");
    Files.move(root.resolve("f"), root.resolve("g"));
    Files.move(root.resolve("old"), root.resolve("new"));
    awaitSeen("MOVED f -> g");
    awaitSeen("MOVED old -> new");

    Files.writeString(root.resolve("new/sub/h.php"), "h");
    awaitSeen("CLOSE_WRITE new/sub/h.php");
    assertThat(seen).noneMatch(e -> e.startsWith("DELETE"));
  }

  @Test
  void aDirectoryFilledByAWriterThenRenamedIsOneMovedEvent() throws Exception {
    Path root = start();
    Path stage = Files.createDirectories(root.resolve("stage"));
    for (int i = 0; i < 200; i++) {
      try (OutputStream out = Files.newOutputStream(stage.resolve("f" + i))) {
        out.write(new byte[1000]);
        out.flush();
        Thread.sleep(1); // the writer's own pause
        out.write(new byte[1000]);
      }
    }
    Files.move(stage, root.resolve("plugin"));
    awaitSeen("MOVED stage -> plugin");
    assertThat(seen).doesNotContain("DELETE stage");
  }

  @Test
  void aTreeMadeFasterThanItsWatchesIsWatchedAndItsNewFilesReported() throws Exception {
    Path root = start();
    Process p = new ProcessBuilder("bash", "-c", "mkdir -p a/b/c/d && echo 1 > a/b/c/d/early").directory(root.toFile()).start();
    assertThat(p.waitFor()).isZero();
    awaitSeen("CREATE a");
    // Made before its directory's watch (FOUND when the watch was added) or after (its close).
    await().atMost(BOUND).untilAsserted(() -> assertThat(seen).containsAnyOf("FOUND a/b/c/d/early", "CLOSE_WRITE a/b/c/d/early"));
    // Every level got its watch before the CREATE of the top was passed on.
    Files.writeString(root.resolve("a/b/c/d/late"), "2");
    awaitSeen("CLOSE_WRITE a/b/c/d/late");
  }

  @Test
  void everyDirectoryOfAnExistingTreeIsWatchedWhetherOrNotItHoldsSubdirectories() throws Exception {
    // Leaf directories (link count 2) are listed without an lstat per entry (LeafDirectories);
    // directories beside files, a symlink to a directory and a deep chain must all be watched.
    Path root = Files.createDirectories(dir.resolve("www"));
    Files.createDirectories(root.resolve(".replicator"));
    Files.createDirectories(root.resolve("wp-content/cache/page"));
    Files.createDirectories(root.resolve("p/leaf"));
    Files.createDirectories(root.resolve("p/mixed/x/y/z"));
    for (int i = 0; i < 50; i++) {
      Files.writeString(root.resolve("p/leaf/f" + i), "x");
      Files.writeString(root.resolve("p/mixed/f" + i), "x");
    }
    Files.createSymbolicLink(root.resolve("p/mixed/link"), root.resolve("p/leaf"));
    source = new InotifySource(root, new ExcludeMatcher(List.of("/wp-content/cache/")), barriers::add, Inotify.open());
    source.start(sink);
    for (String d : List.of("p/leaf", "p/mixed", "p/mixed/x", "p/mixed/x/y/z", "wp-content")) {
      Files.writeString(root.resolve(d).resolve("new"), "1");
      awaitSeen("CLOSE_WRITE " + d + "/new");
    }
    // A subdirectory made in a leaf after the walk is reported and watched in turn.
    Files.createDirectories(root.resolve("p/leaf/later"));
    awaitSeen("CREATE p/leaf/later");
    Files.writeString(root.resolve("p/leaf/later/new"), "1");
    awaitSeen("CLOSE_WRITE p/leaf/later/new");
    assertThat(seen).doesNotContain("CLOSE_WRITE p/mixed/link/new");
  }

  @Test
  void renamesAcrossTheDocrootsEdgeAreADeleteAndAnArrival() throws Exception {
    Path root = start();
    Path outside = Files.createDirectories(dir.resolve("outside/in"));
    Files.writeString(outside.resolve("x"), "x");
    Files.createDirectories(root.resolve("leaving"));
    awaitSeen("CREATE leaving");

    Files.move(root.resolve("leaving"), dir.resolve("outside/left"));
    Files.move(outside, root.resolve("in"));
    awaitSeen("DELETE leaving");
    awaitSeen("MOVED in");

    Files.writeString(root.resolve("in/y"), "y"); // the arrival is watched
    awaitSeen("CLOSE_WRITE in/y");
    Files.writeString(dir.resolve("outside/left/z"), "z"); // what left is not
    Files.writeString(root.resolve("marker"), "m");
    awaitSeen("CLOSE_WRITE marker");
    assertThat(seen).noneMatch(e -> e.contains("left/z") || e.contains("leaving/z"));
  }

  @Test
  void excludedDirectoriesAreNotWatchedAndTheReservedOneOnlyForBarriers() throws Exception {
    Path root = start();
    Files.writeString(root.resolve("wp-content/cache/page/index.html"), "cached");
    Files.writeString(root.resolve(".replicator/barrier-7"), "");
    Files.writeString(root.resolve("marker"), "m");
    awaitSeen("CLOSE_WRITE marker");
    await().atMost(BOUND).untilAsserted(() -> assertThat(barriers).containsExactly("7"));
    assertThat(seen).noneMatch(e -> e.contains("cache/page/") || e.contains(".replicator"));
  }

  @Test
  void anOverflowReWatchesWhatWasMissedAndAsksForAFullRescan() throws Exception {
    Path root = start();
    // What an overflow loses: the CREATE of a directory, so it has no watch yet.
    Files.createDirectories(root.resolve("lost/deeper"));
    awaitSeen("CREATE lost");
    int before = seen.size();
    source.handleForTest(new InotifyEvent(-1, InotifyMask.IN_Q_OVERFLOW, 0, ""));
    awaitSeen("RESCAN  overflow");
    Files.writeString(root.resolve("lost/deeper/f"), "f");
    awaitSeen("CLOSE_WRITE lost/deeper/f");
    assertThat(new ArrayList<>(seen).subList(before, seen.size())).contains("RESCAN  overflow");
  }
}
