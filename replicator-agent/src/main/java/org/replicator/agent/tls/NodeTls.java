package org.replicator.agent.tls;

import java.io.IOException;
import java.time.Instant;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.config.TransportMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An agent's TLS set-up at start: load and check its material, or warn that there is none. */
public final class NodeTls {
  private static final Logger log = LoggerFactory.getLogger(NodeTls.class);

  private NodeTls() {}

  /**
   * The node's checked material, or null for {@code transport: plain}, which is logged as a
   * warning at every start (it must never go unnoticed).
   */
  public static TlsMaterial start(ClusterConfig config, NodeConfig node) throws IOException {
    if (config.transport() == TransportMode.PLAIN) {
      log.warn("node={} transport=plain: replication traffic is neither encrypted nor authenticated; anyone on the network path "
          + "can read it, and {}. Use it only on a private, trusted network, or remove 'transport: plain' (docs/security.md)",
          node.name(), node.isMaster() ? "whoever answers at a slave's address receives the docroot"
              : "any host that reaches " + node.address() + " and knows the cluster's names can act as the master");
      return null;
    }
    Instant now = Instant.now();
    TlsMaterial own = TlsMaterial.load(config.stateDirOf(node), node.name(), config.sourceFile(), now);
    log.info("node={} transport=tls certificate={} valid until {}", node.name(), CertificateIdentity.describe(own.cert()),
        own.cert().getNotAfter().toInstant());
    if (own.expiresBefore(now.plus(ClusterCertificates.RENEW_BEFORE))) {
      log.warn("node={} certificate expires on {}; renew it: replicator certs --config {} --renew {}", node.name(),
          own.cert().getNotAfter().toInstant(), config.sourceFile(), node.name());
    }
    return own;
  }
}
