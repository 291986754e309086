package org.replicator.cli.command;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.replicator.agent.api.LocalNode;
import org.replicator.cli.ExitCode;
import org.replicator.cli.Failures;
import org.replicator.cli.UsageException;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code replicator agent --config FILE --node NAME}: runs one node until SIGTERM or SIGINT; SIGHUP
 * re-reads the cluster file ({@code replicator reload}).
 */
@Command(name = "agent", description = {"Run one node (master or slave) of the cluster in the foreground until SIGTERM or SIGINT.",
    "SIGHUP re-reads the cluster file (as replicator reload). Under systemd: replicator@NODE.service."},
    footer = {"", "Exit status: 0 stopped by a signal, 1 the node cannot start for now (its port is taken or its address not up yet: systemd retries),",
        "2 the node cannot start (configuration, TLS material, docroot marker, another agent of the node: not retried).", "",
        "Example:", "  replicator agent --config /etc/replicator/cluster.yaml --node web1"})
public final class AgentCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--log-level", paramLabel = "LEVEL",
      description = "error, warn, info, debug or trace (default: $REPLICATOR_LOG_LEVEL, else info).")
  String logLevel;

  @Override
  public Integer call() throws Exception {
    String level = logLevel != null ? logLevel : System.getenv("REPLICATOR_LOG_LEVEL");
    try {
      if (level != null && !level.isBlank()) {
        LocalNode.logLevel(level.strip());
      }
    } catch (IllegalArgumentException e) {
      throw new UsageException((logLevel != null ? "--log-level" : "REPLICATOR_LOG_LEVEL") + ": " + e.getMessage());
    }
    ClusterConfig cluster = options.load();
    NodeConfig node = options.requireNode(cluster);
    CountDownLatch stopped = new CountDownLatch(1);
    LocalNode running;
    try {
      // Under systemd (Type=notify): READY=1 once started, then a current STATUS= line.
      running = LocalNode.start(cluster, node, true);
    } catch (Exception e) {
      String sentence = "node " + node.name() + " cannot start: " + Failures.describe(e);
      if (Failures.isTransientStartFailure(e)) {
        // Exit 1: systemd's Restart=on-failure tries again (RestartPreventExitStatus=2 would not).
        throw new AgentStartException(sentence + "; will be retried by systemd", e);
      }
      throw new UsageException(sentence);
    }
    Thread hook = new Thread(() -> {
      running.close();
      stopped.countDown();
    }, "replicator-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    running.ready(options.config.toAbsolutePath());
    stopped.await();
    return ExitCode.OK;
  }

  /** A start failure that may pass by itself (exit 1, which systemd retries). */
  static final class AgentStartException extends Exception {
    AgentStartException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
