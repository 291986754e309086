package org.replicator.agent.slave;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.hooks.BatchListener;
import org.replicator.agent.lifecycle.StateFile;
import org.replicator.core.apply.Applier;
import org.replicator.core.apply.ApplierOptions;
import org.replicator.core.apply.ApplyException;
import org.replicator.core.apply.ApplyListener;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.index.Index;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.scan.ScanListener;
import org.replicator.core.scan.Scanner;
import org.replicator.core.wire.Message;

/**
 * Consecutive batches queued whole are applied as one unit (one install of their puts, fsync'd
 * together, one state write), with today's acknowledgement guarantees: no batch of a unit is
 * acknowledged before every file of the unit is installed, the unit's directories are fsync'd and
 * the last batch's number is persisted; a crash in the middle of a unit leaves the recorded
 * position before it, and replaying from there gives the same tree; a batch that touches
 * {@code .maintenance} is never part of a unit. Real disk, fsync on, the parallel fsync pool as in
 * the agent. Frames are queued before the loop runs (so the next batch is always there whole) and
 * the loop stops when it answers the HELLO queued last: nothing here waits on time.
 */
class ApplyLoopMergeTest {
  private static final Meta FILE = new Meta(0644, 1_700_000_000_000_000_000L, Meta.NO_OWNER, Meta.NO_OWNER);

  @TempDir Path dir;
  private Path root;
  private StateFile state;
  private final List<String> events = new ArrayList<>();
  private final ExecutorService fsyncPool = Executors.newFixedThreadPool(4);
  private EmbeddedChannel master;
  private ApplyLoop loop;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(dir.resolve("www"));
    state = new StateFile(dir.resolve("state.properties"));
    master = recordingChannel();
    loop = newLoop();
  }

  @AfterEach
  void tearDown() {
    fsyncPool.shutdownNow();
  }

  @Test
  void queuedBatchesAreOneUnitAcknowledgedOnlyOnceAllOfItIsDurable() throws Exception {
    queue(master, put(1, "a.txt", "one"), put(2, "d/b.txt", "two"), put(3, "c.txt", "three"));

    runUntilAnsweredByANewConnection();

    assertThat(events).containsExactly(
        "installed a.txt", "installed d/b.txt", "installed c.txt",
        "unit 1 ended, directories fsync'd: 2", // one end for the three batches
        "ack 1 (recorded 3, files 3)", "ack 2 (recorded 3, files 3)", "ack 3 (recorded 3, files 3)");
    assertThat(Files.readString(root.resolve("d/b.txt"))).isEqualTo("two");
  }

  @Test
  void batchTouchingMaintenanceIsNeverMergedWithItsNeighbours() throws Exception {
    queue(master, put(1, "a.txt", "one"), put(2, ".maintenance", "<?php $upgrading = 1;"), put(3, "c.txt", "three"),
        put(4, "e.txt", "four"));

    runUntilAnsweredByANewConnection();

    assertThat(events).containsExactly(
        "installed a.txt", "unit 1 ended, directories fsync'd: 1", "ack 1 (recorded 1, files 1)",
        "installed .maintenance", "unit 2 ended, directories fsync'd: 1", "ack 2 (recorded 2, files 2)",
        "installed c.txt", "installed e.txt", "unit 3 ended, directories fsync'd: 1",
        "ack 3 (recorded 4, files 4)", "ack 4 (recorded 4, files 4)");
  }

  @Test
  void crashInTheMiddleOfAUnitReplaysFromBeforeItToTheSameTree() throws Exception {
    List<Message[]> batches = List.of(put(1, "a.txt", "one"), put(2, "d/b.txt", "two"), put(3, "a.txt", "one again"),
        put(4, "c.txt", "three"));
    queue(master, batches.toArray(Message[][]::new));
    // The crash: the loop stops right after batch 3's op, inside the unit; nothing after runs.
    crashAfter(op -> op.path().equals("a.txt") && ((Op.PutFile) op).size() == 9);

    // The restart: a new loop over the same disk and state; the master sends every batch after
    // the recorded position again.
    events.clear();
    EmbeddedChannel again = recordingChannel();
    loop = newLoop();
    queue(again, batches.toArray(Message[][]::new));
    runUntilAnsweredByANewConnection();

    assertThat(state.readLong("lastAppliedSeq", 0)).isEqualTo(4);
    assertThat(Files.readString(root.resolve("a.txt"))).isEqualTo("one again");
    assertThat(Files.readString(root.resolve("d/b.txt"))).isEqualTo("two");
    assertThat(Files.readString(root.resolve("c.txt"))).isEqualTo("three");
    try (var temps = Files.list(root.resolve(".replicator/tmp"))) {
      assertThat(temps).as("temp files of the crashed unit removed at start").isEmpty();
    }
    assertThat(events).filteredOn(e -> e.startsWith("ack")).containsExactly("ack 1 (recorded 4, files 3)",
        "ack 2 (recorded 4, files 3)", "ack 3 (recorded 4, files 3)", "ack 4 (recorded 4, files 3)");
  }

  @Test
  void batchesEndingWithTheirParentsSetMetaStillInstallTheirFilesTogether() throws Exception {
    // What the planner sends for a file written into an existing folder: the put, then the
    // folder's mtime. The set-meta no longer waits for the put's fsync, so the unit's files are
    // fsync'd together; the folder ends with the last batch's mtime, and acks wait for all of it.
    Files.createDirectories(root.resolve("d"));
    queue(master, putInFolder(1, "d/a.txt", "one", 1), putInFolder(2, "d/b.txt", "two", 2), putInFolder(3, "d/c.txt", "three", 3));

    runUntilAnsweredByANewConnection();

    assertThat(events).containsExactly(
        "installed d", "installed d", "installed d", // the set-metas: none waited for a file
        "installed d/a.txt", "installed d/b.txt", "installed d/c.txt",
        "unit 1 ended, directories fsync'd: 1",
        "ack 1 (recorded 3, files 3)", "ack 2 (recorded 3, files 3)", "ack 3 (recorded 3, files 3)");
    assertThat(Files.getLastModifiedTime(root.resolve("d")).toInstant()).isEqualTo(java.time.Instant.ofEpochSecond(FOLDER_MTIME_SECONDS + 3));
  }

  @Test
  void crashAfterAFolderSetMetaPassedItsPendingPutsReplaysToTheSameTree() throws Exception {
    Files.createDirectories(root.resolve("d"));
    List<Message[]> batches = List.of(putInFolder(1, "d/a.txt", "one", 1), putInFolder(2, "d/b.txt", "two", 2),
        putInFolder(3, "d/a.txt", "one again", 3), putInFolder(4, "d/c.txt", "three", 4));
    queue(master, batches.toArray(Message[][]::new));
    // The crash: right after batch 3's folder set-meta, applied while its put and the two before
    // it still waited for their fsyncs; nothing after runs.
    crashAfter(op -> op instanceof Op.SetMeta m && m.meta().mtimeNanos() == (FOLDER_MTIME_SECONDS + 3) * 1_000_000_000L);
    assertThat(root.resolve("d/a.txt")).as("its put was still waiting for its fsync").doesNotExist();

    events.clear();
    EmbeddedChannel again = recordingChannel();
    loop = newLoop();
    queue(again, batches.toArray(Message[][]::new));
    runUntilAnsweredByANewConnection();

    assertThat(state.readLong("lastAppliedSeq", 0)).isEqualTo(4);
    assertThat(Files.readString(root.resolve("d/a.txt"))).isEqualTo("one again");
    assertThat(Files.readString(root.resolve("d/b.txt"))).isEqualTo("two");
    assertThat(Files.readString(root.resolve("d/c.txt"))).isEqualTo("three");
    assertThat(Files.getLastModifiedTime(root.resolve("d")).toInstant()).isEqualTo(java.time.Instant.ofEpochSecond(FOLDER_MTIME_SECONDS + 4));
    try (var temps = Files.list(root.resolve(".replicator/tmp"))) {
      assertThat(temps).as("temp files of the crashed unit removed at start").isEmpty();
    }
    assertThat(events).filteredOn(e -> e.startsWith("ack")).containsExactly("ack 1 (recorded 4, files 3)",
        "ack 2 (recorded 4, files 3)", "ack 3 (recorded 4, files 3)", "ack 4 (recorded 4, files 3)");
  }

  private ApplyLoop newLoop() throws Exception {
    Applier[] made = new Applier[1];
    ApplyLoop[] self = new ApplyLoop[1];
    ApplyLoop made0 = new ApplyLoop(listener -> made[0] = new Applier(root, new ApplierOptions(true, false, true), recording(listener)),
        new Index(), new Scanner(root, ExcludeFilter.NONE, false, ScanListener.NONE), state, dir.resolve("index.bin"),
        new SlaveStatus(System::nanoTime), digest -> {
          self[0].stop(); // the HELLO queued last: everything before it has been dealt with
          return new Message.Pong(0);
        });
    self[0] = made0;
    made[0].syncInParallel(fsyncPool);
    made[0].start();
    return made0;
  }

  private static final long FOLDER_MTIME_SECONDS = 1_700_000_100L;

  /** One batch of one small file in a folder, and the folder's mtime after it (as the planner makes it). */
  private static Message[] putInFolder(long seq, String path, String content, int tick) {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    String folder = path.substring(0, path.lastIndexOf('/'));
    Meta folderMeta = new Meta(0755, (FOLDER_MTIME_SECONDS + tick) * 1_000_000_000L, Meta.NO_OWNER, Meta.NO_OWNER);
    return new Message[] {new Message.BatchBegin(seq, 0, 2), new Message.OpMessage(new Op.PutFile(path, bytes.length, FILE)),
        new Message.Data(bytes), new Message.PutEnd(ContentHasher.of(bytes)), new Message.OpMessage(new Op.SetMeta(folder, folderMeta)),
        new Message.BatchEnd(seq)};
  }

  /** One batch of one small file. */
  private static Message[] put(long seq, String path, String content) {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    return new Message[] {new Message.BatchBegin(seq, 0, 1), new Message.OpMessage(new Op.PutFile(path, bytes.length, FILE)),
        new Message.Data(bytes), new Message.PutEnd(ContentHasher.of(bytes)), new Message.BatchEnd(seq)};
  }

  private void queue(EmbeddedChannel ch, Message[]... batches) throws InterruptedException {
    for (Message[] batch : batches) {
      for (Message m : batch) {
        loop.submit(ch, m);
      }
    }
  }

  private ApplyListener recording(ApplyListener delegate) {
    return new ApplyListener() {
      @Override
      public void applied(Op op, long bytes) {
        events.add("installed " + op.path());
        delegate.applied(op, bytes);
      }

      @Override
      public void putFailed(Op.PutFile op, ApplyException error) {
        events.add("failed " + op.path());
        delegate.putFailed(op, error);
      }

      @Override
      public void batchEnded(long seq, int directoriesSynced) {
        events.add("unit " + seq + " ended, directories fsync'd: " + directoriesSynced);
        delegate.batchEnded(seq, directoriesSynced);
      }
    };
  }

  /** A channel that records each ACK with what is durable on disk at the moment it is sent. */
  private EmbeddedChannel recordingChannel() {
    return new EmbeddedChannel(new ChannelOutboundHandlerAdapter() {
      @Override
      public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof Message.Ack ack) {
          events.add("ack " + ack.seq() + " (recorded " + state.readLong("lastAppliedSeq", 0) + ", files " + filesInRoot() + ")");
        }
        super.write(ctx, msg, promise);
      }
    });
  }

  private long filesInRoot() throws IOException {
    try (var all = Files.walk(root)) {
      return all.filter(Files::isRegularFile).filter(p -> !root.relativize(p).startsWith(".replicator")).count();
    }
  }

  /** Queues a HELLO from another connection and runs the loop until it answers it. */
  private void runUntilAnsweredByANewConnection() throws Exception {
    EmbeddedChannel next = new EmbeddedChannel();
    loop.submit(next, new Message.Hello(1, 1, "c", "master", "slave", 0, false));
    loop.run();
  }

  /**
   * Runs the loop until the op matching {@code last} is applied, then stops it there, as a crash
   * would: then checks that nothing of the unit was recorded or acknowledged.
   */
  private void crashAfter(java.util.function.Predicate<Op> last) throws Exception {
    loop.batchListener(new BatchListener() {
      @Override
      public void opApplied(Op op) {
        if (last.test(op)) {
          loop.stop();
        }
      }

      @Override
      public void batchAcked(long seq) {}
    });
    loop.run();

    assertThat(state.readLong("lastAppliedSeq", 0)).as("nothing of the unit recorded").isZero();
    assertThat(events).as("nothing acknowledged").noneMatch(e -> e.startsWith("ack"));
  }
}
