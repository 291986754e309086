package org.replicator.cli.command;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.replicator.agent.Agent;
import org.replicator.agent.Agents;
import org.replicator.agent.control.ControlServer;
import org.replicator.agent.lifecycle.ReloadSignal;
import org.replicator.cli.ExitCode;
import org.replicator.cli.Failures;
import org.replicator.cli.Main;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code replicator agent --config FILE --node NAME}: runs one node until SIGTERM or SIGINT; SIGHUP
 * re-reads the cluster file ({@code replicator reload}).
 */
@Command(name = "agent", description = {"Run one node (master or slave) of the cluster in the foreground until SIGTERM or SIGINT.",
    "SIGHUP re-reads the cluster file (as replicator reload). Under systemd: replicator@NODE.service."},
    footer = {"", "Exit status: 0 stopped by a signal, 2 the node cannot start (configuration, TLS material, docroot marker).", "",
        "Example:", "  replicator agent --config /etc/replicator/cluster.yaml --node web1"})
public final class AgentCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    ClusterConfig cluster = options.load();
    NodeConfig node = options.requireNode(cluster);
    Agent agent = Agents.create(cluster, node);
    CountDownLatch stopped = new CountDownLatch(1);
    ControlServer control = new ControlServer(agent);
    Thread hook = new Thread(() -> {
      control.close();
      agent.close();
      stopped.countDown();
    }, "replicator-shutdown");
    try {
      agent.start();
      control.start();
    } catch (Exception e) {
      agent.close();
      throw new Main.UsageException("node " + node.name() + " cannot start: " + Failures.describe(e));
    }
    Runtime.getRuntime().addShutdownHook(hook);
    ReloadSignal.install(agent, options.config.toAbsolutePath());
    stopped.await();
    return ExitCode.OK;
  }
}
