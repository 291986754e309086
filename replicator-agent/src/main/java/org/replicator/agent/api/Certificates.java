package org.replicator.agent.api;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;
import org.replicator.agent.tls.ClusterCertificates;
import org.replicator.agent.tls.TlsFiles;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;

/**
 * The cluster's TLS material as {@code replicator certs} and {@code replicator demo} create it: the
 * cluster CA in {@code caDir}, each node's key and certificate in its state_dir (or under {@code
 * out}/&lt;node&gt;/ to copy to the node). Nothing is overwritten but by {@link #renew}.
 */
public final class Certificates {
  private Certificates() {}

  /** An operator's input that cannot be acted on (wrong CA directory, half a CA, ...). */
  public static final class SetupException extends Exception {
    SetupException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** What was done ({@code lines}) and what needs an operator ({@code problems}). */
  public record Report(List<String> lines, List<String> problems) {}

  /** Everything the whole cluster lacks, in each node's state_dir. */
  public static Report createAll(ClusterConfig cluster, Path caDir) throws IOException, GeneralSecurityException, SetupException {
    try {
      return of(ClusterCertificates.createAll(cluster, caDir));
    } catch (ClusterCertificates.SetupException e) {
      throw new SetupException(e.getMessage(), e);
    }
  }

  /** The CA if needed and whatever each of {@code nodes} lacks; {@code out} null for their state_dirs. */
  public static Report createMissing(ClusterConfig cluster, Path caDir, Path out, List<NodeConfig> nodes)
      throws IOException, GeneralSecurityException, SetupException {
    try {
      return of(certificates(cluster, caDir, out).createMissing(nodes));
    } catch (ClusterCertificates.SetupException e) {
      throw new SetupException(e.getMessage(), e);
    }
  }

  /** A new key and certificate for {@code node} (the previous ones kept as *.old); {@code out} as above. */
  public static Report renew(ClusterConfig cluster, Path caDir, Path out, NodeConfig node)
      throws IOException, GeneralSecurityException, SetupException {
    try {
      return of(certificates(cluster, caDir, out).renew(node));
    } catch (ClusterCertificates.SetupException e) {
      throw new SetupException(e.getMessage(), e);
    }
  }

  private static ClusterCertificates certificates(ClusterConfig cluster, Path caDir, Path out) {
    Function<NodeConfig, TlsFiles> target = out == null ? ClusterCertificates.inStateDirs(cluster)
        : node -> new TlsFiles(out.toAbsolutePath().resolve(node.name()));
    return new ClusterCertificates(cluster, caDir, target, Instant.now());
  }

  private static Report of(ClusterCertificates.Report r) {
    return new Report(r.lines(), r.problems());
  }
}
