package org.replicator.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.concurrent.Callable;
import org.replicator.agent.control.ControlClient;
import org.replicator.cli.ExitCode;
import org.replicator.core.config.ClusterConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code replicator wait}: the read-your-writes barrier for deploy scripts. Exits 0 once every
 * change made on the master before the call has been applied on every slave; 1 at the timeout
 * (a disconnected slave counts as behind).
 */
@Command(name = "wait", description = "Wait until every change made before the call is applied on every slave.")
public final class WaitCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60", description = "Give up after this many seconds (default ${DEFAULT-VALUE}).")
  double timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    ClusterConfig cluster = options.load();
    if (timeoutSeconds <= 0) {
      spec.commandLine().getErr().println("replicator: --timeout must be positive, got " + timeoutSeconds);
      return ExitCode.USAGE;
    }
    JsonNode result = ControlClient.call(cluster.stateDirOf(options.pick(cluster)),
        Map.of("command", "wait", "timeoutMillis", (long) (timeoutSeconds * 1000)));
    if (result.path("applied").asBoolean(false)) {
      return ExitCode.OK;
    }
    spec.commandLine().getErr().println("replicator: not every slave caught up within " + timeoutSeconds + " s; see replicator status");
    return ExitCode.BEHIND;
  }
}
