package org.replicator.agent.master;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.replicator.core.wire.Message;

/**
 * The acknowledgements of one slave as the sender thread waits on them: how many arrived (a waiter
 * compares counts, not sequence numbers, since a catch-up's ack may repeat a number) and the
 * failed paths of the last one. Written by the event loop, read by the sender thread and status.
 */
final class AckLedger {
  private final AtomicLong count = new AtomicLong();
  private volatile List<Message.Failure> lastFailures = List.of();

  /** Event loop, before the count: a waiter that sees the ack also sees its failures. */
  void failures(List<Message.Failure> failures) {
    lastFailures = failures;
  }

  void counted() {
    count.incrementAndGet();
  }

  long count() {
    return count.get();
  }

  List<Message.Failure> lastFailures() {
    return lastFailures;
  }
}
