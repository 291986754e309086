package org.replicator.agent.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.replicator.agent.AgentEvents;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;

/**
 * Creates the TLS material a cluster is missing, never replacing what exists: the cluster CA (in
 * its own directory) and, per node, {@code tls/ca.crt}, {@code node.key} and {@code node.crt}.
 * What already exists is checked (issued by this CA, for this node, not expiring) and reported.
 * {@link #renew} is the one operation that replaces a node's key and certificate.
 *
 * <p>The code behind {@code replicator certs}, {@code replicator demo} and the test fixtures.
 * Single-threaded.
 */
public final class ClusterCertificates {
  /** A certificate closer to its end than this is reported (and logged by the agent at start). */
  public static final Duration RENEW_BEFORE = Duration.ofDays(30);

  /** An operator's input that cannot be acted on (wrong CA directory, half a CA, ...). */
  public static final class SetupException extends Exception {
    public SetupException(String message) {
      super(message);
    }
  }

  /** What was done ({@code lines}) and what needs an operator ({@code problems}). */
  public record Report(List<String> lines, List<String> problems) {}

  private final ClusterConfig config;
  private final TlsFiles caDir;
  private final Function<NodeConfig, TlsFiles> target;
  private final Instant now;
  private final List<String> lines = new ArrayList<>();
  private final List<String> problems = new ArrayList<>();

  /**
   * @param target where a node's material goes: its state_dir by default ({@link #inStateDirs}),
   *     or a folder to copy to the node
   */
  public ClusterCertificates(ClusterConfig config, Path caDir, Function<NodeConfig, TlsFiles> target, Instant now) {
    this.config = config;
    this.caDir = new TlsFiles(caDir);
    this.target = target;
    this.now = now;
  }

  /** Each node's own {@code <state_dir>/tls}. */
  public static Function<NodeConfig, TlsFiles> inStateDirs(ClusterConfig config) {
    return node -> TlsFiles.ofStateDir(config.stateDirOf(node));
  }

  /** Everything the whole cluster needs, in each node's state_dir: what the demo and tests use. */
  public static Report createAll(ClusterConfig config, Path caDir) throws IOException, GeneralSecurityException, SetupException {
    return new ClusterCertificates(config, caDir, inStateDirs(config), Instant.now()).createMissing(config.nodes());
  }

  /** Creates the CA if needed and whatever each of {@code nodes} lacks. */
  public Report createMissing(List<NodeConfig> nodes) throws IOException, GeneralSecurityException, SetupException {
    CertificateAuthority ca = caFor(nodes);
    for (NodeConfig node : nodes) {
      ensureNode(ca, node);
    }
    return new Report(List.copyOf(lines), List.copyOf(problems));
  }

  /** A new key and certificate for {@code node}; the previous ones stay as {@code *.old}. */
  public Report renew(NodeConfig node) throws IOException, GeneralSecurityException, SetupException {
    if (!CertificateAuthority.existsIn(caDir)) {
      throw new SetupException("no CA in " + caDir.dir() + " to renew " + node.name() + "'s certificate with; pass --ca-dir with the cluster CA's directory");
    }
    CertificateAuthority ca = loadCa();
    TlsFiles files = prepare(node);
    ensureCaCert(ca, node, files);
    KeyPair pair = CertificateAuthority.newKeyPair();
    X509Certificate cert = ca.issue(config.cluster(), node.name(), pair.getPublic(), now);
    PrivateFiles.replace(files.nodeKey(), Pem.privateKey(pair.getPrivate()), PrivateFiles.KEY_MODE);
    PrivateFiles.replace(files.nodeCert(), Pem.certificate(cert), PrivateFiles.CERT_MODE);
    owned(node, files);
    lines.add(node.name() + ": renewed " + files.nodeCert() + " sha256=" + CertificateIdentity.fingerprint(cert) + " valid until "
        + cert.getNotAfter().toInstant() + " (previous kept as " + TlsFiles.NODE_CERT + ".old); restart the agent of " + node.name()
        + " to use it");
    return new Report(List.copyOf(lines), List.copyOf(problems));
  }

  private CertificateAuthority caFor(List<NodeConfig> nodes) throws IOException, GeneralSecurityException, SetupException {
    if (CertificateAuthority.existsIn(caDir)) {
      CertificateAuthority ca = loadCa();
      lines.add("CA " + caDir.caCert() + " sha256=" + CertificateIdentity.fingerprint(ca.certificate()) + " (kept)");
      return ca;
    }
    // A new CA would not be trusted by nodes that already hold another one: refuse rather than
    // split the cluster in two.
    for (NodeConfig node : nodes) {
      Path existing = target.apply(node).caCert();
      if (Files.exists(existing)) {
        throw new SetupException("no CA in " + caDir.dir() + ", but node " + node.name() + " already trusts one (" + existing
            + ", sha256=" + CertificateIdentity.fingerprint(Pem.readCertificates(existing).get(0))
            + "); pass --ca-dir with that CA's directory, or remove the nodes' tls directories to start over");
      }
    }
    CertificateAuthority ca = CertificateAuthority.create(config.cluster(), now);
    ca.save(caDir);
    lines.add("CA " + caDir.caCert() + " sha256=" + CertificateIdentity.fingerprint(ca.certificate()) + " created, valid until "
        + ca.certificate().getNotAfter().toInstant() + "; its key " + caDir.caKey() + " must stay off the slaves");
    return ca;
  }

  private CertificateAuthority loadCa() throws IOException, SetupException {
    for (Path p : new Path[] {caDir.caKey(), caDir.caCert()}) {
      if (!Files.exists(p)) {
        throw new SetupException("incomplete CA in " + caDir.dir() + ": " + p.getFileName() + " is missing; restore it, or pass another --ca-dir");
      }
    }
    return CertificateAuthority.load(caDir);
  }

  private void ensureNode(CertificateAuthority ca, NodeConfig node) throws IOException, GeneralSecurityException {
    TlsFiles files = prepare(node);
    ensureCaCert(ca, node, files);
    boolean hasKey = Files.exists(files.nodeKey());
    boolean hasCert = Files.exists(files.nodeCert());
    if (!hasKey && !hasCert) {
      KeyPair pair = CertificateAuthority.newKeyPair();
      X509Certificate cert = ca.issue(config.cluster(), node.name(), pair.getPublic(), now);
      PrivateFiles.createNew(files.nodeKey(), Pem.privateKey(pair.getPrivate()), PrivateFiles.KEY_MODE);
      PrivateFiles.createNew(files.nodeCert(), Pem.certificate(cert), PrivateFiles.CERT_MODE);
      lines.add(node.name() + ": issued " + files.nodeCert() + " sha256=" + CertificateIdentity.fingerprint(cert) + " valid until "
          + cert.getNotAfter().toInstant());
    } else if (hasKey != hasCert) {
      problems.add(node.name() + ": " + (hasKey ? files.nodeKey() + " exists without " + TlsFiles.NODE_CERT : files.nodeCert()
          + " exists without " + TlsFiles.NODE_KEY) + "; run: replicator certs --renew " + node.name());
    } else {
      check(ca, node, files);
    }
    owned(node, files);
  }

  private void check(CertificateAuthority ca, NodeConfig node, TlsFiles files) throws IOException {
    X509Certificate cert = Pem.readCertificate(files.nodeCert());
    String name = CertificateIdentity.nodeName(cert);
    String fix = "; run: replicator certs --renew " + node.name();
    Instant end = cert.getNotAfter().toInstant();
    if (!node.name().equals(name)) {
      problems.add(node.name() + ": " + files.nodeCert() + " is the certificate of '" + name + "', not of " + node.name() + fix);
    } else if (!ca.issued(cert)) {
      problems.add(node.name() + ": " + files.nodeCert() + " was not issued by the CA in " + caDir.dir() + fix);
    } else if (end.isBefore(now)) {
      problems.add(node.name() + ": " + files.nodeCert() + " expired on " + end + fix);
    } else if (end.isBefore(now.plus(RENEW_BEFORE))) {
      problems.add(node.name() + ": " + files.nodeCert() + " expires on " + end + fix);
    } else {
      lines.add(node.name() + ": " + files.nodeCert() + " sha256=" + CertificateIdentity.fingerprint(cert) + " valid until " + end + " (kept)");
    }
  }

  private void ensureCaCert(CertificateAuthority ca, NodeConfig node, TlsFiles files) throws IOException {
    if (!Files.exists(files.caCert())) {
      PrivateFiles.createNew(files.caCert(), Pem.certificate(ca.certificate()), PrivateFiles.CERT_MODE);
      return;
    }
    // Several CA certificates are allowed in the file (a CA rotation); ours must be one of them.
    if (!Pem.readCertificates(files.caCert()).contains(ca.certificate())) {
      problems.add(node.name() + ": " + files.caCert() + " does not hold the CA of " + caDir.dir()
          + "; the node would reject its peers: replace the file with " + caDir.caCert() + " (or append it during a CA change)");
    }
  }

  /** The node's tls directory, 0700, inside an existing or new 0700 state_dir. */
  private TlsFiles prepare(NodeConfig node) throws IOException {
    TlsFiles files = target.apply(node);
    Path parent = files.dir().getParent();
    if (!Files.isDirectory(parent)) {
      PrivateFiles.directory(parent);
    }
    PrivateFiles.directory(files.dir());
    return files;
  }

  /** As root, for a state_dir that belongs to the agent's user, hands the files to that user. */
  private void owned(NodeConfig node, TlsFiles files) throws IOException {
    if (!AgentEvents.isRoot()) {
      return;
    }
    Path reference = files.dir().getParent();
    PrivateFiles.ownLike(files.dir(), reference);
    for (Path p : new Path[] {files.caCert(), files.nodeCert(), files.nodeKey()}) {
      if (Files.exists(p)) {
        PrivateFiles.ownLike(p, reference);
      }
    }
  }
}
