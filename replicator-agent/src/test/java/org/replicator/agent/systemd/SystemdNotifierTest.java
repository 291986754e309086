package org.replicator.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notifier against a datagram socket of the test's own, bound where NOTIFY_SOCKET points, as
 * systemd binds its own: a path, and a name in the abstract namespace ({@code @...}).
 */
class SystemdNotifierTest {
  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

  @TempDir Path dir;

  @AfterEach
  void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void readyStatusAndStoppingReachASocketGivenAsAPath() throws Exception {
    String path = dir.resolve("notify").toString();
    listen(path);
    try (SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", path))) {
      assertThat(notifier.enabled()).isTrue();
      notifier.ready("master: 2/2 slaves live");
      notifier.status("master: 1/2 slaves live\nsecond line");
      notifier.stopping();
    }
    assertThat(next()).isEqualTo("READY=1\nSTATUS=master: 2/2 slaves live\n");
    assertThat(next()).as("a status is one line").isEqualTo("STATUS=master: 1/2 slaves live second line\n");
    assertThat(next()).isEqualTo("STOPPING=1\nSTATUS=stopping\n");
  }

  @Test
  void leadingAtMeansTheAbstractNamespace() throws Exception {
    String name = "replicator-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    listen("\0" + name);
    try (SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", "@" + name))) {
      notifier.ready("slave: connected to master");
    }
    assertThat(next()).isEqualTo("READY=1\nSTATUS=slave: connected to master\n");
  }

  @Test
  void withoutNotifySocketNothingIsSent() {
    try (SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of())) {
      assertThat(notifier.enabled()).isFalse();
      notifier.ready("ignored");
    }
  }

  @Test
  void aMissingSocketDoesNotStopTheAgent() {
    try (SystemdNotifier notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", dir.resolve("absent").toString()))) {
      notifier.ready("nobody listens");
      notifier.status("still nobody");
    }
  }

  private void listen(String address) throws InterruptedException {
    Channel ch = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
        .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
            received.add(packet.content().toString(StandardCharsets.UTF_8));
          }
        })
        .bind(new DomainSocketAddress(address)).sync().channel();
    assertThat(ch.isActive()).isTrue();
  }

  private String next() throws InterruptedException {
    String message = received.poll(10, TimeUnit.SECONDS);
    assertThat(message).as("a datagram within 10 s").isNotNull();
    return message;
  }
}
