package org.replicator.agent.slave;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.core.wire.FrameWriter;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;

class BatchFailuresTest {
  private static Message.Failure failure(int i) {
    return new Message.Failure("wp-content/" + "x".repeat(4000) + i, "parent is a symlink");
  }

  @Test
  void aHundredThousandFailingOpsKeepOnlyTheAckLimitAndCountTheRest() {
    BatchFailures failures = new BatchFailures();
    for (int i = 0; i < 100_000; i++) {
      failures.add(failure(i));
    }
    List<Message.Failure> list = failures.list();
    assertThat(list).hasSize(Protocol.MAX_FAILURES);
    assertThat(list.get(0).path()).endsWith("x0");
    assertThat(list.get(list.size() - 1))
        .isEqualTo(new Message.Failure("", (100_000 - BatchFailures.KEPT) + " more failures not listed"));
    // The ack built from it still fits one frame.
    assertThat(FrameWriter.fitAck(7, 0, list).failures()).isNotEmpty().hasSizeLessThanOrEqualTo(Protocol.MAX_FAILURES);
  }

  @Test
  void fewFailuresAreListedAsIsAndClearStartsTheNextBatchEmpty() {
    BatchFailures failures = new BatchFailures();
    failures.add(failure(1));
    failures.add(failure(2));
    assertThat(failures.list()).containsExactly(failure(1), failure(2));
    failures.clear();
    assertThat(failures.isEmpty()).isTrue();
    assertThat(failures.list()).isEmpty();
  }
}
