package org.replicator.agent.slave;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.agent.slave.BatchMerge.Next;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.wire.Message;

/** What the apply loop's queue shows of the next batch decides whether it joins the current unit. */
class BatchMergeTest {
  private static final Meta FILE = new Meta(0644, 0, Meta.NO_OWNER, Meta.NO_OWNER);
  private final Channel master = new EmbeddedChannel();
  private final List<ApplyLoop.Work> queued = new ArrayList<>();

  @Test
  void wholeNextBatchJoins() {
    queue(master, new Message.BatchBegin(2, 0, 1), op(new Op.Delete("a.txt")), new Message.BatchEnd(2), new Message.BatchBegin(3, 0, 1));
    assertThat(BatchMerge.next(queued, master)).isEqualTo(Next.JOINS);
  }

  @Test
  void nextBatchWhoseEndHasNotArrivedIsPartial() {
    queue(master, new Message.BatchBegin(2, 0, 1), op(new Op.PutFile("a.txt", 3, FILE)), new Message.Data(new byte[] {1}));
    assertThat(BatchMerge.next(queued, master)).isEqualTo(Next.PARTIAL);
  }

  @Test
  void nextBatchTouchingMaintenanceNeverJoins() {
    queue(master, new Message.BatchBegin(2, 0, 2), op(new Op.Delete("a.txt")), op(new Op.Delete(".maintenance")), new Message.BatchEnd(2));
    assertThat(BatchMerge.next(queued, master)).isEqualTo(Next.MAINTENANCE);
  }

  @Test
  void maintenanceIsTheTopLevelFileOnly() {
    assertThat(BatchMerge.touchesMaintenance(new Op.PutFile(".maintenance", 1, FILE))).isTrue();
    assertThat(BatchMerge.touchesMaintenance(new Op.Move(".maintenance", "old.maintenance"))).isTrue();
    assertThat(BatchMerge.touchesMaintenance(new Op.Move("staged", ".maintenance"))).isTrue();
    assertThat(BatchMerge.touchesMaintenance(new Op.PutFile("wp-content/.maintenance", 1, FILE))).isFalse();
  }

  @Test
  void nothingQueuedOrAnotherConnectionOrADisconnectIsNone() {
    assertThat(BatchMerge.next(queued, master)).isEqualTo(Next.NONE);
    queue(new EmbeddedChannel(), new Message.BatchBegin(2, 0, 1));
    assertThat(BatchMerge.next(queued, master)).isEqualTo(Next.NONE);
    queued.clear();
    queued.add(new ApplyLoop.Work(master, null));
    assertThat(BatchMerge.next(queued, master)).isEqualTo(Next.NONE);
  }

  private static Message op(Op op) {
    return new Message.OpMessage(op);
  }

  private void queue(Channel ch, Message... messages) {
    for (Message m : messages) {
      queued.add(new ApplyLoop.Work(ch, m));
    }
  }
}
