package org.replicator.agent.slave;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.lifecycle.StateFile;
import org.replicator.core.apply.Applier;
import org.replicator.core.apply.ApplierOptions;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.index.Index;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.scan.ScanListener;
import org.replicator.core.scan.Scanner;
import org.replicator.core.wire.Message;

/**
 * The slave's side of a journal replay, without the master, the network or a JVM start: 1,000
 * batches of one small file each and its folder's mtime (as bench/replay.sh makes them, in 20
 * folders; before session 3 of issue 16 this left the set-meta out, and missed that it waited for
 * each file's fsync alone), all queued before
 * the apply loop runs, on the real disk with fsync on and the agent's 32 fsync threads. Prints the
 * rate; asserts only that every batch was recorded. Manual (not in CI):
 *
 * <pre>
 * mvn -o verify -pl replicator-agent -am -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=ReplayApplyBenchIT -DexcludedTestGroups=none | grep REPLAY
 * </pre>
 */
@Tag("manual")
class ReplayApplyBenchIT {
  private static final Meta FILE = new Meta(0644, 1_700_000_000_000_000_000L, Meta.NO_OWNER, Meta.NO_OWNER);
  private static final int BATCHES = 1000;

  @TempDir Path dir;

  @Test
  void replayOfOneFileBatches() throws Exception {
    for (int round = 1; round <= 5; round++) {
      Path root = Files.createDirectories(dir.resolve("www" + round));
      StateFile state = new StateFile(dir.resolve("state" + round + ".properties"));
      ExecutorService pool = Executors.newFixedThreadPool(32);
      Applier[] made = new Applier[1];
      ApplyLoop[] self = new ApplyLoop[1];
      ApplyLoop loop = new ApplyLoop(listener -> made[0] = new Applier(root, new ApplierOptions(true, false, true), listener), new Index(),
          new Scanner(root, ExcludeFilter.NONE, false, ScanListener.NONE), state, dir.resolve("index" + round + ".bin"),
          new SlaveStatus(System::nanoTime), digest -> {
            self[0].stop();
            return new Message.Pong(0);
          });
      self[0] = loop;
      made[0].syncInParallel(pool);
      made[0].start();
      for (int d = 0; d < 20; d++) {
        Files.createDirectories(root.resolve("d" + d));
      }
      EmbeddedChannel master = new EmbeddedChannel();
      for (int i = 1; i <= BATCHES; i++) {
        byte[] bytes = ("file " + i + " ").repeat(50 + i % 400).getBytes(StandardCharsets.UTF_8);
        loop.submit(master, new Message.BatchBegin(i, 0, 2));
        loop.submit(master, new Message.OpMessage(new Op.PutFile("d" + (i % 20) + "/f" + i + ".txt", bytes.length, FILE)));
        loop.submit(master, new Message.Data(bytes));
        loop.submit(master, new Message.PutEnd(ContentHasher.of(bytes)));
        // As the planner makes it: the folder's mtime, bumped by the new entry, set back after it.
        loop.submit(master, new Message.OpMessage(new Op.SetMeta("d" + (i % 20), new Meta(0755, 1_700_000_000_000_000_000L + i, Meta.NO_OWNER, Meta.NO_OWNER))));
        loop.submit(master, new Message.BatchEnd(i));
      }
      loop.submit(new EmbeddedChannel(), new Message.Hello(1, 1, "c", "master", "slave", 0, false));
      long t0 = System.nanoTime();
      loop.run();
      double seconds = (System.nanoTime() - t0) / 1e9;
      pool.shutdown();
      assertThat(state.readLong("lastAppliedSeq", 0)).isEqualTo(BATCHES);
      System.out.printf("REPLAY round %d: %d one-file batches applied in %.3f s: %.0f batches/s%n", round, BATCHES, seconds, BATCHES / seconds);
    }
  }
}
