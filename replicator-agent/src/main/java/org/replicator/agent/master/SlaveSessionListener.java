package org.replicator.agent.master;

import io.netty.channel.Channel;
import org.replicator.core.wire.Message;

/**
 * What {@link MasterSessionHandler} reports to its link, from the event loop. The narrow way back
 * up: the handler knows this interface, not the link. Every method returns quickly and never
 * blocks (the sender thread does the waiting).
 */
interface SlaveSessionListener {
  String name();

  /** The slave applied {@code ack.seq()}. */
  void acknowledged(Message.Ack ack);

  /** A handshake or manifest frame for the sender thread. */
  void received(Message m);

  void recordError(String error);

  /** The slave asks for a planned handover (failover): it wants to be master at the next epoch. */
  void handoverRequested(Message.Handover request);

  /**
   * {@code ch} is closing for this reason (a TLS alert, a bad frame). True when the session was
   * established; during the handshake the reason only goes into the error the dial throws.
   */
  boolean closing(Channel ch, String reason);

  void writabilityChanged();

  void disconnected(Channel ch);
}
