package org.replicator.agent.slave;

import java.util.ArrayList;
import java.util.List;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;

/**
 * The failures of the batch being applied, bounded: ops are streamed, so a batch has no op count
 * the receiver could check up front, and a hostile master could otherwise send millions of
 * failing ops (each with a 4 KiB path) and grow this list without limit. Past
 * {@link Protocol#MAX_FAILURES} - 1 entries only a count is kept, reported as one batch-wide
 * failure; the ack cannot carry more than {@code MAX_FAILURES} anyway.
 */
final class BatchFailures {
  static final int KEPT = Protocol.MAX_FAILURES - 1;

  private final List<Message.Failure> kept = new ArrayList<>();
  private long omitted;

  void add(Message.Failure failure) {
    if (kept.size() < KEPT) {
      kept.add(failure);
    } else {
      omitted++;
    }
  }

  void clear() {
    kept.clear();
    omitted = 0;
  }

  boolean isEmpty() {
    return kept.isEmpty();
  }

  /** At most {@code MAX_FAILURES} entries: those kept, then "N more failures not listed". */
  List<Message.Failure> list() {
    List<Message.Failure> all = new ArrayList<>(kept);
    if (omitted > 0) {
      all.add(new Message.Failure("", omitted + " more failures not listed"));
    }
    return List.copyOf(all);
  }
}
