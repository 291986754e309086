package org.replicator.agent.lifecycle;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.replicator.agent.health.AgentCheckServer;
import org.replicator.agent.metrics.Meters;
import org.replicator.agent.metrics.MetricsServer;
import org.replicator.agent.net.Transport;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.Endpoint;
import org.replicator.core.config.NodeConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The read-only endpoints of one agent, where the cluster file puts them: the Prometheus endpoint
 * ({@code metrics}) and, on a slave, HAProxy's agent-check ({@code agent_check}). Absent keys
 * start nothing. They share one event loop thread of their own, so a flood of scrapes or checks
 * never delays replication frames. Started last by an agent, closed first.
 */
public final class OpsEndpoints implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OpsEndpoints.class);

  private final List<AutoCloseable> open = new ArrayList<>();
  private EventLoopGroup group;
  private Meters meters;
  private MetricsServer metricsServer;
  private AgentCheckServer agentCheckServer;

  private OpsEndpoints() {}

  /**
   * @param bind registers the role's meters
   * @param agentCheck the agent-check answer line, or null for none
   */
  public static OpsEndpoints start(ClusterConfig config, NodeConfig node, Consumer<Meters> bind, Supplier<String> agentCheck)
      throws IOException {
    OpsEndpoints e = new OpsEndpoints();
    boolean wantsAgentCheck = agentCheck != null && node.agentCheck().isPresent();
    if (node.metrics().isEmpty() && !wantsAgentCheck) {
      return e;
    }
    try {
      e.group = Transport.newGroup(1);
      if (node.metrics().isPresent()) {
        e.meters = new Meters(config.cluster(), node.name());
        e.open.add(e.meters);
        bind.accept(e.meters);
        e.metricsServer = new MetricsServer(node.metrics().get(), e.group, e.meters.registry()::scrape);
        listen(node, "metrics", node.metrics().get(), e.metricsServer::start);
        e.open.add(0, e.metricsServer);
        log.info("node={} metrics=http://{}/metrics", node.name(), node.metrics().get());
      }
      if (wantsAgentCheck) {
        e.agentCheckServer = new AgentCheckServer(node.agentCheck().get(), e.group, agentCheck);
        listen(node, "agent_check", node.agentCheck().get(), e.agentCheckServer::start);
        e.open.add(0, e.agentCheckServer);
        log.info("node={} agent-check={}", node.name(), node.agentCheck().get());
      }
    } catch (IOException | RuntimeException ex) {
      e.close();
      throw ex;
    }
    return e;
  }

  private interface Bind {
    void run() throws Exception;
  }

  /** Netty rethrows a failed bind's checked exception unchecked: name the key and address instead. */
  private static void listen(NodeConfig node, String key, Endpoint at, Bind bind) throws IOException {
    try {
      bind.run();
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
      throw new IOException("node " + node.name() + ": interrupted while binding " + key + " " + at, ex);
    } catch (Exception ex) {
      throw new IOException("node " + node.name() + ": cannot listen on " + key + " " + at + " (cluster file): " + ex.getMessage(), ex);
    }
  }

  /** The metrics server, or null when {@code metrics} is not set. */
  public MetricsServer metricsServer() {
    return metricsServer;
  }

  /** The agent-check server, or null when off. */
  public AgentCheckServer agentCheckServer() {
    return agentCheckServer;
  }

  @Override
  public void close() {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception ex) {
        log.debug("closing {}: {}", c, ex.toString());
      }
    }
    open.clear();
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
