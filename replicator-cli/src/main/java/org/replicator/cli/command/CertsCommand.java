package org.replicator.cli.command;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.replicator.agent.api.Certificates;
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
 * {@code replicator certs}: creates the TLS material the cluster lacks (the cluster CA in
 * {@code --ca-dir}, and each node's key and certificate in its state_dir or under {@code --out}),
 * never overwriting anything; {@code --renew NODE} replaces one node's key and certificate.
 * Reports what it kept and what needs an operator (exit 1). docs/security.md.
 */
@Command(name = "certs", description = {
    "Create the cluster CA and every node's TLS key and certificate where missing (nothing is overwritten).",
    "Node material goes to <state_dir>/tls/ (or --out DIR/<node>/); the CA key stays in --ca-dir."},
    footer = {"", "Exit status: 0 done, 1 something needs an operator (expiring, another CA, another node), 2 usage or CA mismatch.", "",
        "Examples:", "  replicator certs --config /etc/replicator/cluster.yaml",
        "  replicator certs --config /etc/replicator/cluster.yaml --ca-dir /root/replicator-ca --renew web2"})
public final class CertsCommand implements Callable<Integer> {
  @Mixin ConfigOptions options;
  @Spec CommandSpec spec;

  @Option(names = "--ca-dir", paramLabel = "DIR",
      description = "Where the cluster CA (ca.key, ca.crt) is kept or created (default: ca/ next to the cluster file). Never on a slave.")
  Path caDir;

  @Option(names = "--out", paramLabel = "DIR",
      description = "Write each node's files to DIR/<node>/ instead of its state_dir, to copy them to the node.")
  Path out;

  @Option(names = "--renew", paramLabel = "NODE", description = "Replace NODE's key and certificate (the old ones are kept as *.old).")
  String renew;

  @Override
  public Integer call() throws Exception {
    ClusterConfig cluster = options.load();
    Path ca = caDir != null ? caDir : cluster.sourceFile().toAbsolutePath().getParent().resolve("ca");
    Certificates.Report report;
    try {
      if (renew != null) {
        if (options.node != null) {
          throw new UsageException("--renew names the node already; drop --node");
        }
        report = Certificates.renew(cluster, ca, out, cluster.node(renew));
      } else {
        report = Certificates.createMissing(cluster, ca, out, options.node == null ? cluster.nodes() : List.of(cluster.node(options.node)));
      }
    } catch (Certificates.SetupException e) {
      throw new UsageException(e.getMessage());
    }
    report.lines().forEach(spec.commandLine().getOut()::println);
    report.problems().forEach(p -> spec.commandLine().getErr().println("replicator: " + p));
    spec.commandLine().getOut().flush();
    spec.commandLine().getErr().flush();
    return report.problems().isEmpty() ? ExitCode.OK : ExitCode.BEHIND;
  }
}
