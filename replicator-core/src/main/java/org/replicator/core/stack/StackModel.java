package org.replicator.core.stack;

import java.nio.file.Path;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ConfigException;
import org.replicator.core.config.Endpoint;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.config.StackConfig;

/**
 * Small questions the generators share about a validated cluster file: where a peer dials a
 * service, the folder a node's files are installed in, a required section or an error naming it.
 */
final class StackModel {
  private StackModel() {}

  /** A wildcard listen address says where to listen, not where to connect: peers dial the node's host. */
  static String dialHost(Endpoint e, String nodeHost) {
    String h = e.host();
    return h.equals("0.0.0.0") || h.equals("::") || h.equals("*") ? nodeHost : h;
  }

  static String dial(Endpoint e, String nodeHost) {
    return new Endpoint(dialHost(e, nodeHost), e.port()).address();
  }

  static StackConfig.WebServing web(ClusterConfig c, NodeConfig node) {
    StackConfig.WebServing w = c.stack().web().get(node.name());
    if (w == null) {
      throw new IllegalStateException("no web serving entry for " + node.name() + " (file not validated?)");
    }
    return w;
  }

  static StackConfig.SiteConfig site(ClusterConfig c, String forWhat) throws ConfigException {
    return c.stack().site().orElseThrow(() -> missing(c, "site", forWhat, "site: {server_name: www.example.com}"));
  }

  static ConfigException missing(ClusterConfig c, String key, String forWhat, String example) {
    return new ConfigException(c.sourceFile(), 0, key, "missing: " + forWhat + " needs it, e.g. " + example);
  }

  /** The header comment's name of the cluster file: its file name only, so output does not depend on where it was read. */
  static String source(ClusterConfig c) {
    Path name = c.sourceFile().getFileName();
    return name == null ? c.sourceFile().toString() : name.toString();
  }
}
