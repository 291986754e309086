package org.replicator.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.replicator.agent.api.ControlClient;
import org.replicator.cli.ExitCode;
import org.replicator.cli.UsageException;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code replicator wait}: the read-your-writes barrier for deploy scripts. Exits 0 once every
 * change made on the master before the call has been applied on every slave; 1 at the timeout
 * (a disconnected slave counts as behind).
 *
 * <p>Deploy scripts call it right after restarting the master's agent, so an agent that does not
 * answer yet (no control socket while it starts, or the stale one of the agent it replaces) is
 * asked again until the deadline; only then is it "unreachable" (exit 3).
 */
@Command(name = "wait", description = "Wait until every change made before the call is applied on every slave.",
    footer = {"", "Exit status: 0 applied everywhere, 1 not within the timeout, 2 usage, 3 no agent answered within the timeout.", "",
        "Examples:", "  replicator wait --config /etc/replicator/cluster.yaml --timeout 30",
        "  systemctl restart replicator@web1 && replicator wait --config /etc/replicator/cluster.yaml --timeout 120"})
public final class WaitCommand implements Callable<Integer>, ControlCommand {
  /** How often an agent that does not answer yet is asked again. */
  private static final long RETRY_MILLIS = 200;

  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60", description = "Give up after this many seconds (default ${DEFAULT-VALUE}).")
  double timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    ClusterConfig cluster = options.load();
    NodeConfig master = options.master(cluster, "wait");
    if (!(timeoutSeconds > 0)) {
      throw new UsageException("--timeout must be positive, got " + timeoutSeconds);
    }
    PrintWriter err = spec.commandLine().getErr();
    long deadline = System.nanoTime() + (long) (timeoutSeconds * 1e9);
    boolean announced = false;
    JsonNode result;
    while (true) {
      long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
      try {
        result = ControlClient.call(cluster.stateDirOf(master), Map.of("command", "wait", "timeoutMillis", Math.max(1, leftMillis)));
        break;
      } catch (ControlClient.UnreachableException e) {
        if (leftMillis <= 0) {
          throw AgentCall.unreachable(master, e);
        }
        if (!announced) {
          err.printf(Locale.ROOT, "replicator: waiting up to %s s for the agent of %s to answer: %s%n", seconds(timeoutSeconds),
              master.name(), e.getMessage());
          err.flush();
          announced = true;
        }
        Thread.sleep(Math.min(RETRY_MILLIS, leftMillis));
      }
    }
    if (result.path("applied").asBoolean(false)) {
      return ExitCode.OK;
    }
    err.println("replicator: not every slave caught up within " + seconds(timeoutSeconds) + " s; see replicator status");
    return ExitCode.BEHIND;
  }

  private static String seconds(double s) {
    return s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
  }
}
