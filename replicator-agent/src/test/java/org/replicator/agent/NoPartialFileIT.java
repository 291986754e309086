package org.replicator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Never a file on a slave that is still being written on the master: writers that pause longer
 * than any quiet time (as PHP, an upload or an updater do), plain write(2) calls, and a reader
 * polling the slave's docroot all along that fails on any content that is neither the old nor
 * the final version. Real inotify, real disk, master and slave in this JVM.
 *
 * <p>With {@code -Dreplicator.watcher=portable} (the quiet-time guesses of the fallback) the
 * first three fail: that is what they are for.
 */
class NoPartialFileIT {
  private static final int CHUNK = 16 * 1024;
  private static final String PLANNER_LOG = "org.replicator.agent.master.PlannerLoop";
  @TempDir Path dir;
  private InProcessCluster cluster;
  private SlaveReader reader;

  private Path master() {
    return cluster.docroot("master");
  }

  private Path slave() {
    return cluster.docroot("slave1");
  }

  private void start() throws Exception {
    start(docroot -> {});
  }

  /** Starts master and slave after {@code before} filled the master's docroot (found by the startup scan, not by events). */
  private void start(ThrowingConsumer<Path> before) throws Exception {
    cluster = new InProcessCluster(dir, 1, "transport: plain\n");
    before.accept(master());
    cluster.startAll();
    assertThat(cluster.awaitApplied()).isTrue();
    assertThat(cluster.masterStatus().path("watcher").path("source").asText()).isEqualTo(System.getProperty("replicator.watcher", "").equals("portable") ? "directory-watcher" : "inotify");
  }

  interface ThrowingConsumer<T> {
    void accept(T t) throws Exception;
  }

  @AfterEach
  void stop() throws Exception {
    if (reader != null) {
      reader.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /** {@code size} bytes that name the file and the version: any prefix or mix of two versions differs. */
  static byte[] content(String name, String version, int size) {
    byte[] head = (name + " " + version + "\n").getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[size];
    for (int i = 0; i < size; i++) {
      out[i] = i < head.length ? head[i] : (byte) ('a' + (i * 7 + version.length()) % 26);
    }
    return out;
  }

  /** Writes {@code bytes} in {@code chunks} plain writes, pausing {@code pauseMillis} between them, then closes. */
  static void slowWrite(Path file, byte[] bytes, int chunks, long pauseMillis, StandardOpenOption... options) throws Exception {
    try (OutputStream out = Files.newOutputStream(file, options)) {
      int step = (bytes.length + chunks - 1) / chunks;
      for (int at = 0; at < bytes.length; at += step) {
        if (at > 0) {
          Thread.sleep(pauseMillis); // the writer's own pause: the scenario, not a wait for the system
        }
        out.write(bytes, at, Math.min(step, bytes.length - at));
        out.flush();
      }
    }
  }

  @Test
  void aNewFileWrittenInChunksWithLongPausesAppearsOnlyWhole() throws Exception {
    start();
    byte[] last = content("upload.bin", "v1", 5 * CHUNK);
    reader = SlaveReader.watch(slave(), List.of("upload.bin"), name -> List.of(last));

    slowWrite(master().resolve("upload.bin"), last, 5, 300);
    assertThat(cluster.awaitApplied()).isTrue();

    reader.assertOnlyAllowedSeen();
    assertThat(Files.readAllBytes(slave().resolve("upload.bin"))).isEqualTo(last);
  }

  @Test
  void anInPlaceOverwriteWithTruncateThenSlowWritesShowsTheOldOrTheNewVersionOnly() throws Exception {
    start();
    byte[] old = content("inplace.php", "old", 4 * CHUNK);
    byte[] next = content("inplace.php", "new", 5 * CHUNK);
    Files.write(master().resolve("inplace.php"), old);
    assertThat(cluster.awaitApplied()).isTrue();
    assertThat(Files.readAllBytes(slave().resolve("inplace.php"))).isEqualTo(old);
    reader = SlaveReader.watch(slave(), List.of("inplace.php"), name -> List.of(old, next));

    slowWrite(master().resolve("inplace.php"), next, 5, 300, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    assertThat(cluster.awaitApplied()).isTrue();

    reader.assertOnlyAllowedSeen();
    assertThat(Files.readAllBytes(slave().resolve("inplace.php"))).isEqualTo(next);
  }

  @Test
  void aBurstOfSmallFilesWrittenOneAfterAnotherWithPausesShowsNoneHalfWritten() throws Exception {
    start();
    Files.createDirectories(master().resolve("burst"));
    assertThat(cluster.awaitApplied()).isTrue();
    reader = SlaveReader.watchDirectory(slave().resolve("burst"), name -> List.of(content(name, "v1", 3000)));

    for (int i = 0; i < 300; i++) {
      String name = "f" + i + ".php";
      slowWrite(master().resolve("burst/" + name), content(name, "v1", 3000), 3, 4); // pauses twice the 2 ms quiet gap
    }
    assertThat(cluster.awaitApplied()).isTrue();

    reader.assertOnlyAllowedSeen();
    assertThat(cluster.differences()).isEmpty();
  }

  @Test
  void aDirectoryOfFilesCreatedThenRenamedShowsNoFileHalfWrittenAndARenameOfItIsOneMove() throws Exception {
    start();
    Function<String, List<byte[]>> finals = name -> List.of(content(name, "v1", 2000));
    reader = SlaveReader.watchDirectories(List.of(slave().resolve("stage"), slave().resolve("plugin"), slave().resolve("plugin-renamed")), finals);

    Path stage = Files.createDirectories(master().resolve("stage"));
    for (int i = 0; i < 200; i++) {
      slowWrite(stage.resolve("f" + i + ".php"), content("f" + i + ".php", "v1", 2000), 2, 1);
    }
    Files.move(stage, master().resolve("plugin"));
    assertThat(cluster.awaitApplied()).isTrue();
    assertThat(cluster.differences()).isEmpty();

    // Replicated: now its rename must travel as one move, not 200 copies.
    long inode = inode(slave().resolve("plugin/f0.php"));
    try (RecordingAppender planned = plannedBatches()) {
      Files.move(master().resolve("plugin"), master().resolve("plugin-renamed"));
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(opCount(planned, "Move")).isEqualTo(1);
      assertThat(opCount(planned, "PutFile") + opCount(planned, "Mkdir") + opCount(planned, "Delete")).isZero();
    }
    assertThat(inode(slave().resolve("plugin-renamed/f0.php"))).as("the slave renamed its copy").isEqualTo(inode);
    reader.assertOnlyAllowedSeen();
    assertThat(cluster.differences()).isEmpty();
  }

  @Test
  void aRenameOfADirectoryOfTenThousandFilesUnderAConcurrentBurstIsOneMove() throws Exception {
    start(docroot -> {
      Path big = Files.createDirectories(docroot.resolve("uploads/2026"));
      for (int i = 0; i < 10_000; i++) {
        Files.write(big.resolve("img" + i + ".jpg"), content("img" + i, "v1", 64));
      }
      Files.createDirectories(docroot.resolve("burst"));
    });
    long inode = inode(slave().resolve("uploads/2026/img0.jpg"));

    try (RecordingAppender planned = plannedBatches()) {
      Thread burst = new Thread(() -> {
        try {
          for (int i = 0; i < 300; i++) {
            slowWrite(master().resolve("burst/b" + i + ".php"), content("b" + i, "v1", 1000), 2, 1);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      burst.start();
      Files.move(master().resolve("uploads/2026"), master().resolve("uploads/2026-archived"));
      burst.join();
      assertThat(cluster.awaitApplied()).isTrue();

      assertThat(opCount(planned, "Move")).as("batches planned: %s", planned.lines()).isEqualTo(1);
      assertThat(opCount(planned, "Delete") + opCount(planned, "Mkdir")).isZero();
      assertThat(opCount(planned, "PutFile")).as("only the burst's files travel").isEqualTo(300);
    }
    assertThat(inode(slave().resolve("uploads/2026-archived/img0.jpg"))).isEqualTo(inode);
    assertThat(cluster.differences()).isEmpty();
  }

  private static long inode(Path p) throws IOException {
    return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
  }

  /** The master's DEBUG line per planned batch ("event=batch-planned ... Move=1 PutFile=3"), what an operator turns on to see ops. */
  private static RecordingAppender plannedBatches() {
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(PLANNER_LOG)).setLevel(Level.DEBUG);
    return new RecordingAppender(PLANNER_LOG);
  }

  private static int opCount(RecordingAppender planned, String op) {
    Pattern p = Pattern.compile("\\b" + op + "=(\\d+)");
    int sum = 0;
    for (String line : planned.containing("event=batch-planned")) {
      Matcher m = p.matcher(line);
      if (m.find()) {
        sum += Integer.parseInt(m.group(1));
      }
    }
    return sum;
  }

  /**
   * Polls files on the slave in a loop on its own thread and records every content that is
   * neither absent nor one of the allowed versions.
   */
  static final class SlaveReader implements AutoCloseable {
    private final List<Path> files;
    private final List<Path> dirs;
    private final Function<String, List<byte[]>> allowed;
    private final List<String> bad = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile long reads;

    private SlaveReader(List<Path> files, List<Path> dirs, Function<String, List<byte[]>> allowed) {
      this.files = files;
      this.dirs = dirs;
      this.allowed = allowed;
      thread = new Thread(this::run, "slave-reader");
      thread.setDaemon(true);
      thread.start();
    }

    static SlaveReader watch(Path root, List<String> names, Function<String, List<byte[]>> allowed) {
      return new SlaveReader(names.stream().map(root::resolve).toList(), List.of(), allowed);
    }

    static SlaveReader watchDirectory(Path dir, Function<String, List<byte[]>> allowed) {
      return watchDirectories(List.of(dir), allowed);
    }

    static SlaveReader watchDirectories(List<Path> dirs, Function<String, List<byte[]>> allowed) {
      return new SlaveReader(List.of(), dirs, allowed);
    }

    private void run() {
      while (!stop) {
        for (Path f : files) {
          check(f);
        }
        for (Path d : dirs) {
          try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
            for (Path f : entries) {
              check(f);
            }
          } catch (IOException e) {
            // Not there yet, or renamed away while listed: nothing to check in it now.
          }
        }
        reads++;
        Thread.yield(); // continuous, but leaves the (shared) CPUs to the agents it watches
      }
    }

    private void check(Path f) {
      byte[] got;
      try {
        got = Files.readAllBytes(f);
      } catch (NoSuchFileException e) {
        return; // absent: allowed (the old state of a new file, or already renamed)
      } catch (IOException e) {
        bad.add(f + ": unreadable: " + e);
        return;
      }
      for (byte[] ok : allowed.apply(f.getFileName().toString())) {
        if (Arrays.equals(ok, got)) {
          return;
        }
      }
      if (bad.size() < 100) {
        bad.add(f + ": " + got.length + " bytes, neither the old nor the final version");
      }
    }

    void assertOnlyAllowedSeen() throws InterruptedException {
      close();
      assertThat(reads).as("the reader polled the slave").isPositive();
      assertThat(new ArrayList<>(bad)).as("intermediate versions seen on the slave").isEmpty();
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join(10_000);
    }
  }
}
