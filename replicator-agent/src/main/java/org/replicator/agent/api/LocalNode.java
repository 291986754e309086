package org.replicator.agent.api;

import java.nio.file.Path;
import java.util.Map;
import org.replicator.agent.Agent;
import org.replicator.agent.Agents;
import org.replicator.agent.control.ControlServer;
import org.replicator.agent.lifecycle.ReloadSignal;
import org.replicator.agent.logging.LogLevel;
import org.replicator.agent.master.MasterAgent;
import org.replicator.agent.role.RoleHost;
import org.replicator.agent.systemd.StatusLine;
import org.replicator.agent.systemd.StatusReporter;
import org.replicator.agent.systemd.SystemdNotifier;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;

/**
 * One node's agent running in this JVM with its control endpoint ({@code replicator agent}, and
 * the three nodes of {@code replicator demo}). Under systemd ({@code Type=notify}) it tells systemd
 * when it is ready, keeps its status line current, and says it is stopping.
 *
 * <p>Threads: the agent's own; {@link #close} may run on a shutdown hook.
 */
public final class LocalNode implements AutoCloseable {
  private final Agent agent;
  private final ControlServer control;
  /** Null when not reporting to systemd (the demo). */
  private final StatusReporter systemd;

  private LocalNode(Agent agent, ControlServer control, StatusReporter systemd) {
    this.agent = agent;
    this.control = control;
    this.systemd = systemd;
  }

  /**
   * The agent's log level: error, warn, info, debug or trace.
   *
   * @throws IllegalArgumentException naming the accepted levels
   */
  public static void logLevel(String name) {
    LogLevel.set(name);
  }

  /**
   * Starts the agent of {@code node}, then its control endpoint. When either fails, the agent is
   * closed (and systemd, when {@code notifySystemd}, is told it stops) and the failure thrown.
   */
  public static LocalNode start(ClusterConfig cluster, NodeConfig node, boolean notifySystemd) throws Exception {
    Agent agent = Agents.create(cluster, node);
    ControlServer control = new ControlServer(agent);
    // Type=notify under systemd: READY=1 once start() returned (a slave listens; a master loaded
    // its index and started its links), then a current STATUS= line.
    StatusReporter systemd = notifySystemd
        ? new StatusReporter(SystemdNotifier.fromEnvironment(System.getenv()), () -> StatusLine.of(agent.status(false)))
        : null;
    try {
      agent.start();
      control.start();
    } catch (Exception e) {
      if (systemd != null) {
        systemd.close();
      }
      agent.close();
      throw e;
    }
    return new LocalNode(agent, control, systemd);
  }

  /** Serving: READY=1 to systemd, and SIGHUP re-reads {@code clusterFile} (as {@code replicator reload}). */
  public void ready(Path clusterFile) {
    if (systemd != null) {
      systemd.ready();
    }
    ReloadSignal.install(agent, clusterFile);
  }

  public boolean isMaster() {
    return running() instanceof MasterAgent;
  }

  /** The agent of the node's current role (it moves with the epoch). */
  private Agent running() {
    return agent instanceof RoleHost host ? host.current() : agent;
  }

  public Map<String, Object> status(boolean verbose) {
    return agent.status(verbose);
  }

  /**
   * On the master: true once every change made before the call has been applied on every slave,
   * false at the deadline ({@code replicator wait}).
   */
  public boolean awaitAllApplied(long timeoutMillis) throws Exception {
    if (!(running() instanceof MasterAgent master)) {
      throw new IllegalStateException("only the master's agent knows what every slave applied");
    }
    return master.awaitAllApplied(timeoutMillis);
  }

  /** STOPPING=1 to systemd, then the control endpoint and the agent stop. */
  @Override
  public void close() {
    if (systemd != null) {
      systemd.close();
    }
    control.close();
    agent.close();
  }
}
