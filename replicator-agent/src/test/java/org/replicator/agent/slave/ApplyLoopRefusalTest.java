package org.replicator.agent.slave;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.lifecycle.StateFile;
import org.replicator.core.apply.Applier;
import org.replicator.core.apply.ApplierOptions;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.index.Index;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.scan.ScanListener;
import org.replicator.core.scan.Scanner;
import org.replicator.core.wire.ErrorCode;
import org.replicator.core.wire.Message;

/**
 * The apply loop's side of "a refused frame fails its batch", with every frame queued before the
 * loop runs, so that group commit takes its path for sure: a batch followed by the next batch's
 * BATCH_BEGIN waits for the group's end. The loop runs on the test thread and stops when it
 * answers the HELLO queued last (it answers in order), so nothing here waits on time.
 */
class ApplyLoopRefusalTest {
  private static final Meta DIR = new Meta(0755, 1_700_000_000_000_000_000L, Meta.NO_OWNER, Meta.NO_OWNER);

  @TempDir Path dir;
  private Path root;
  private StateFile state;
  private SlaveStatus status;
  private ApplyLoop loop;
  private final EmbeddedChannel master = new EmbeddedChannel();

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectories(dir.resolve("www"));
    state = new StateFile(dir.resolve("state.properties"));
    status = new SlaveStatus(System::nanoTime);
    Applier[] made = new Applier[1];
    ApplyLoop[] self = new ApplyLoop[1];
    loop = new ApplyLoop(listener -> made[0] = new Applier(root, new ApplierOptions(false, false, true), listener), new Index(),
        new Scanner(root, ExcludeFilter.NONE, false, ScanListener.NONE), state, dir.resolve("index.bin"), status, digest -> {
          self[0].stop(); // the HELLO queued last: everything before it has been dealt with
          return new Message.Pong(0);
        });
    self[0] = loop;
    made[0].start();
  }

  @Test
  void refusedFrameDropsTheRestOfItsConnectionAndRecordsOnlyTheWholeBatchBefore() throws Exception {
    queue(new Message.BatchBegin(1, 0, 1), op(new Op.Mkdir("whole-batch", DIR)), new Message.BatchEnd(1),
        new Message.BatchBegin(2, 0, 3), op(new Op.Mkdir("before-refusal", DIR)),
        new Message.Data(new byte[] {1}), // refused: no PUT is open
        op(new Op.Mkdir("after-refusal", DIR)), new Message.BatchEnd(2),
        new Message.BatchBegin(3, 0, 1), op(new Op.Mkdir("next-batch", DIR)), new Message.BatchEnd(3));

    runUntilAnsweredByANewConnection();

    // Batch 1 was whole: recorded when its group ended at the refusal. Batch 2 never is.
    assertThat(state.readLong("lastAppliedSeq", 0)).isEqualTo(1);
    assertThat(status.lastAppliedSeq()).isEqualTo(1);
    assertThat(root.resolve("whole-batch")).isDirectory();
    assertThat(root.resolve("before-refusal")).as("applied before the refusal, whole").isDirectory();
    assertThat(root.resolve("after-refusal")).doesNotExist();
    assertThat(root.resolve("next-batch")).doesNotExist();
    List<Object> sent = outbound(master);
    assertThat(sent).as("one ERROR, no ACK after it").hasSize(1).first().isInstanceOfSatisfying(Message.ErrorMessage.class, e -> {
      assertThat(e.errorCode()).contains(ErrorCode.PROTOCOL);
      assertThat(e.message()).isEqualTo("DATA without an open PUT");
    });
    assertThat(master.isOpen()).isFalse();
  }

  @Test
  void openFileOfTheRefusedBatchIsDroppedWithItsTempFile() throws Exception {
    queue(new Message.BatchBegin(1, 0, 2), op(new Op.PutFile("partial.bin", 10, new Meta(0644, 0, Meta.NO_OWNER, Meta.NO_OWNER))),
        new Message.Data(new byte[] {1, 2, 3}),
        new Message.BatchEnd(1)); // refused: the file is still open

    runUntilAnsweredByANewConnection();

    assertThat(state.readLong("lastAppliedSeq", 0)).isZero();
    assertThat(root.resolve("partial.bin")).doesNotExist();
    try (var temps = Files.list(root.resolve(".replicator/tmp"))) {
      assertThat(temps).isEmpty();
    }
  }

  /** The receiver refused a frame (it did not decode): what the loop had queued from it is dropped. */
  @Test
  void framesQueuedBeforeTheReceiverRefusedAreDropped() throws Exception {
    queue(new Message.BatchBegin(1, 0, 2), op(new Op.Mkdir("queued", DIR)));
    Rejection.mark(master);
    queue(new Message.BatchEnd(1));

    runUntilAnsweredByANewConnection();

    assertThat(state.readLong("lastAppliedSeq", 0)).isZero();
    assertThat(root.resolve("queued")).doesNotExist();
    assertThat(outbound(master)).isEmpty();
  }

  private static Message op(Op op) {
    return new Message.OpMessage(op);
  }

  private void queue(Message... messages) throws InterruptedException {
    for (Message m : messages) {
      loop.submit(master, m);
    }
  }

  /** Queues a HELLO from another connection and runs the loop until it answers it. */
  private void runUntilAnsweredByANewConnection() throws Exception {
    EmbeddedChannel next = new EmbeddedChannel();
    loop.submit(next, new Message.Hello(1, 1, "c", "master", "slave", 0, false));
    loop.run();
    assertThat(outbound(next)).as("the next connection is answered").hasSize(1);
  }

  private static List<Object> outbound(EmbeddedChannel channel) {
    List<Object> all = new ArrayList<>();
    Object m;
    while ((m = channel.readOutbound()) != null) {
      all.add(m);
    }
    return all;
  }
}
