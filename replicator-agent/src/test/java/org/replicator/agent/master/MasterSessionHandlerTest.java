package org.replicator.agent.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.agent.net.SessionLimits;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;

class MasterSessionHandlerTest {
  /** Records what reaches the link; the handler under test only routes. */
  private static final class RecordingListener implements SlaveSessionListener {
    final List<Message> received = new ArrayList<>();

    @Override
    public String name() {
      return "web2";
    }

    @Override
    public void acknowledged(Message.Ack ack) {
      throw new AssertionError("unexpected ack " + ack);
    }

    @Override
    public void received(Message m) {
      received.add(m);
    }

    @Override
    public void handoverRequested(Message.Handover request) {
      throw new AssertionError("unexpected handover " + request);
    }

    @Override
    public void recordError(String error) {
      throw new AssertionError("unexpected error " + error);
    }

    @Override
    public boolean closing(Channel ch, String reason) {
      throw new AssertionError("unexpected close " + reason);
    }

    @Override
    public void writabilityChanged() {}

    @Override
    public void disconnected(Channel ch) {}
  }

  @Test
  void noKeepAlivePingBeforeTheSlaveAnsweredTheHello() {
    // A slave that accepts late (after its startup scan) makes the TLS handshake outlast the
    // writer-idle timer: a PING queued then would reach the slave before HELLO and be refused.
    RecordingListener link = new RecordingListener();
    EmbeddedChannel ch = new EmbeddedChannel(new MasterSessionHandler(link, SessionLimits.DEFAULT));

    ch.pipeline().fireUserEventTriggered(IdleStateEvent.FIRST_WRITER_IDLE_STATE_EVENT);
    Object before = ch.readOutbound();
    assertThat(before).isNull();

    Message.HelloReply reply = new Message.HelloReply(Protocol.MAJOR, Protocol.MINOR, "web2", 1, 0, 0, true, "", 0, "web1");
    ch.writeInbound(reply);
    assertThat(link.received).containsExactly(reply);
    ch.pipeline().fireUserEventTriggered(IdleStateEvent.WRITER_IDLE_STATE_EVENT);
    Object after = ch.readOutbound();
    assertThat(after).isInstanceOf(Message.Ping.class);
    ch.finishAndReleaseAll();
  }
}
