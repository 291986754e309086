package org.replicator.agent.tls;

import java.nio.file.Path;

/**
 * Where TLS material lives, by convention (docs/security.md). A node's own material is in {@code
 * <state_dir>/tls/}: {@code ca.crt} (the cluster CA's certificate, the only trust anchor),
 * {@code node.crt} and {@code node.key}. The CA's private key never goes to a node's state_dir: it
 * stays in the CA directory ({@code ca.crt}, {@code ca.key}) of whoever runs {@code replicator
 * certs}.
 */
public record TlsFiles(Path dir) {
  public static final String TLS_DIR = "tls";
  public static final String CA_CERT = "ca.crt";
  public static final String CA_KEY = "ca.key";
  public static final String NODE_CERT = "node.crt";
  public static final String NODE_KEY = "node.key";

  /** The material of the node whose state_dir this is. */
  public static TlsFiles ofStateDir(Path stateDir) {
    return new TlsFiles(stateDir.resolve(TLS_DIR));
  }

  public Path caCert() {
    return dir.resolve(CA_CERT);
  }

  public Path nodeCert() {
    return dir.resolve(NODE_CERT);
  }

  public Path nodeKey() {
    return dir.resolve(NODE_KEY);
  }

  /** In a CA directory: the CA's private key. */
  public Path caKey() {
    return dir.resolve(CA_KEY);
  }
}
