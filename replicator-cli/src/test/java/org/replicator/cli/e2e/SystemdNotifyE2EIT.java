package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.config.NodeConfig;

/**
 * What systemd sees of real agents. {@code Type=notify}: each node is started with NOTIFY_SOCKET
 * pointing at a datagram socket of this test's own (as systemd does); a slave says READY=1 only
 * once it accepts connections on its port; the master's STATUS= line follows its slaves going
 * live. journald: one slave runs with JOURNAL_STREAM naming its stdout (a file here) and
 * REPLICATOR_LOG_LEVEL=debug; every line it logs starts with a syslog priority, and no line
 * carries a timestamp of its own.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SystemdNotifyE2EIT {
  @RegisterExtension final ClusterGuard guard = new ClusterGuard();
  @TempDir Path tmp;

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
  private final Map<String, List<String>> received = new ConcurrentHashMap<>();
  /** Per slave: whether its port accepted a connection at the moment its READY=1 arrived. */
  private final Map<String, Boolean> listeningWhenReady = new ConcurrentHashMap<>();

  @AfterEach
  void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void readyOnceServingAndStatusFollowsTheSlaves() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    for (String node : ProcessCluster.NODES) {
      Path socket = tmp.resolve(node + ".notify");
      listen(cluster.config().node(node), socket);
      cluster.environment(node, "NOTIFY_SOCKET", socket.toString());
    }
    String journaled = ProcessCluster.SLAVES.get(1);
    Path log = cluster.log(journaled);
    Files.createDirectories(log.getParent());
    Files.writeString(log, "", StandardCharsets.UTF_8);
    cluster.environment(journaled, "JOURNAL_STREAM", Files.getAttribute(log, "unix:dev") + ":" + Files.getAttribute(log, "unix:ino"));
    cluster.environment(journaled, "REPLICATOR_LOG_LEVEL", "debug");
    cluster.startAll();

    await("READY=1 from every node").atMost(Duration.ofSeconds(60))
        .until(() -> ProcessCluster.NODES.stream().allMatch(n -> messages(n).stream().anyMatch(m -> m.startsWith("READY=1\n"))));
    for (String slave : ProcessCluster.SLAVES) {
      assertThat(listeningWhenReady.get(slave)).as("%s listened when it said READY=1", slave).isTrue();
      assertThat(messages(slave).get(0)).startsWith("READY=1\nSTATUS=slave: ");
    }
    assertThat(messages(ProcessCluster.MASTER).get(0)).startsWith("READY=1\nSTATUS=master: ");
    await("the master's status shows both slaves live").atMost(Duration.ofSeconds(60))
        .until(() -> messages(ProcessCluster.MASTER).stream().anyMatch(m -> m.contains("STATUS=master: 2/2 slaves live")));

    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.startsWith("=== e2e:")).toList();
    assertThat(lines).as("%s's log", journaled).isNotEmpty()
        .allMatch(l -> l.matches("<[3-7]>.*"), "starts with a syslog priority")
        .noneMatch(l -> l.matches("<\\d>\\d{4}-\\d\\d-\\d\\dT.*"), "carries its own timestamp");
    assertThat(lines).anyMatch(l -> l.startsWith("<6>INFO ")).anyMatch(l -> l.startsWith("<7>DEBUG "));

    cluster.stop(ProcessCluster.SLAVES.get(0));
    await("STOPPING=1 from the stopped slave").atMost(Duration.ofSeconds(30))
        .until(() -> messages(ProcessCluster.SLAVES.get(0)).stream().anyMatch(m -> m.startsWith("STOPPING=1")));
  }

  private List<String> messages(String node) {
    return received.getOrDefault(node, List.of());
  }

  private void listen(NodeConfig node, Path socket) throws InterruptedException {
    List<String> list = received.computeIfAbsent(node.name(), n -> new CopyOnWriteArrayList<>());
    new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
        .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
          @Override
          protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
            String message = packet.content().toString(StandardCharsets.UTF_8);
            if (message.startsWith("READY=1") && node.role() == org.replicator.core.config.Role.SLAVE) {
              listeningWhenReady.put(node.name(), accepts(node));
            }
            list.add(message);
          }
        })
        .bind(new DomainSocketAddress(socket.toString())).sync();
  }

  private static boolean accepts(NodeConfig node) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(node.host(), node.port()), 2_000);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
