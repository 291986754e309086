package org.replicator.core.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One web node of the cluster. {@code host:port} is where its agent listens (the master dials each
 * slave). {@code docroot} and {@code stateDir} are absolute, normalised paths when present; absent
 * means "use the cluster docroot" and "/var/lib/replicator/&lt;name&gt;" (see {@link
 * ClusterConfig#docrootOf} and {@link ClusterConfig#stateDirOf}). {@code metrics} and {@code
 * agentCheck} are where the node's read-only Prometheus and HAProxy agent-check endpoints bind;
 * absent means off (agent-check is for slaves only). {@code hooks}, when present, replaces the
 * cluster's hook list on this node (an empty list turns hooks off here).
 */
public record NodeConfig(
    String name,
    Role role,
    String host,
    int port,
    Optional<String> docroot,
    Optional<String> stateDir,
    Optional<Endpoint> metrics,
    Optional<Endpoint> agentCheck,
    Optional<List<HookConfig>> hooks) {
  public NodeConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(docroot, "docroot");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(agentCheck, "agentCheck");
    hooks = hooks.map(List::copyOf);
  }

  /** A node without hooks of its own (it runs the cluster's). */
  public NodeConfig(String name, Role role, String host, int port, Optional<String> docroot, Optional<String> stateDir,
      Optional<Endpoint> metrics, Optional<Endpoint> agentCheck) {
    this(name, role, host, port, docroot, stateDir, metrics, agentCheck, Optional.empty());
  }

  /** A node without metrics or agent-check endpoints. */
  public NodeConfig(String name, Role role, String host, int port, Optional<String> docroot, Optional<String> stateDir) {
    this(name, role, host, port, docroot, stateDir, Optional.empty(), Optional.empty(), Optional.empty());
  }

  public boolean isMaster() {
    return role == Role.MASTER;
  }

  /** "host:port", with IPv6 literals bracketed so the string is unambiguous. */
  public String address() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
