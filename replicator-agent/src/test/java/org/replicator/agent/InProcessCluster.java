package org.replicator.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.replicator.agent.master.MasterAgent;
import org.replicator.agent.net.SessionLimits;
import org.replicator.agent.tls.ClusterCertificates;
import org.replicator.agent.slave.SlaveAgent;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.config.TransportMode;
import org.replicator.core.scan.TreeComparison;

/**
 * One master and N slaves in this JVM on 127.0.0.1, ports picked at run time, every docroot and
 * state dir under one folder. Real inotify, real sockets, real fsync and rename.
 */
public final class InProcessCluster implements AutoCloseable {
  private final Path dir;
  private final ClusterConfig config;
  private final Map<String, Agent> running = new LinkedHashMap<>();

  public InProcessCluster(Path dir, int slaves, String extraYaml) throws Exception {
    this(dir, slaves, extraYaml, name -> "");
  }

  /** @param nodeYaml extra keys of each node by name, each line indented by four spaces */
  public InProcessCluster(Path dir, int slaves, String extraYaml, java.util.function.Function<String, String> nodeYaml)
      throws Exception {
    this.dir = dir;
    StringBuilder y = new StringBuilder("cluster: it\n");
    y.append(extraYaml);
    y.append("nodes:\n");
    // Hold every probe socket until all ports are chosen, so no two nodes get the same one.
    List<ServerSocket> probes = new ArrayList<>();
    for (int i = 0; i <= slaves; i++) {
      probes.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
    }
    List<Integer> ports = new ArrayList<>();
    for (ServerSocket probe : probes) {
      ports.add(probe.getLocalPort());
      probe.close();
    }
    for (int i = 0; i <= slaves; i++) {
      String name = i == 0 ? "master" : "slave" + i;
      y.append("  - name: ").append(name).append('\n')
          .append("    role: ").append(i == 0 ? "master" : "slave").append('\n')
          .append("    host: 127.0.0.1\n")
          .append("    port: ").append(ports.get(i)).append('\n')
          .append("    docroot: ").append(dir.resolve("docroot-" + name)).append('\n')
          .append("    state_dir: ").append(dir.resolve("state-" + name)).append('\n')
          .append(nodeYaml.apply(name));
    }
    Files.createDirectories(dir);
    Path file = dir.resolve("cluster.yaml");
    Files.writeString(file, y.toString());
    config = ClusterConfigLoader.load(file);
    Files.createDirectories(docroot("master"));
    if (config.transport() == TransportMode.TLS) {
      // What `replicator certs --config FILE` does: the CA in DIR/ca, each node's material in its state dir.
      ClusterCertificates.createAll(config, caDir());
    }
  }

  /** The cluster CA's directory (holds ca.key; never a node's). */
  public Path caDir() {
    return dir.resolve("ca");
  }

  public Path stateDir(String node) {
    return dir.resolve("state-" + node);
  }

  public ClusterConfig config() {
    return config;
  }

  public Path docroot(String node) {
    return dir.resolve("docroot-" + node);
  }

  /** A free port on 127.0.0.1 (closed again: a tiny race with other processes, as for node ports). */
  public static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  public List<String> slaveNames() {
    List<String> names = new ArrayList<>();
    config.slaves().forEach(n -> names.add(n.name()));
    return names;
  }

  /** Starts the slaves, then the master. */
  public void startAll() throws Exception {
    for (NodeConfig n : config.slaves()) {
      start(n.name());
    }
    start("master");
  }

  public Agent start(String name) throws Exception {
    NodeConfig node = config.node(name);
    Agent agent = Agents.fixed(config, node);
    agent.start();
    running.put(name, agent);
    return agent;
  }

  /** A slave with other session limits (shorter timeouts for the tests of them). */
  public SlaveAgent startSlave(String name, SessionLimits limits) throws Exception {
    SlaveAgent agent = new SlaveAgent(config, config.node(name), limits);
    agent.start();
    running.put(name, agent);
    return agent;
  }

  public void stop(String name) {
    Agent agent = running.remove(name);
    if (agent != null) {
      agent.close();
    }
  }

  public MasterAgent master() {
    return (MasterAgent) running.get("master");
  }

  public SlaveAgent slave(String name) {
    return (SlaveAgent) running.get(name);
  }

  public JsonNode masterStatus() {
    return new ObjectMapper().valueToTree(master().status(false));
  }

  public JsonNode slaveStatus(String name) {
    return new ObjectMapper().valueToTree(running.get(name).status(false));
  }

  public boolean awaitApplied() throws Exception {
    return master().awaitAllApplied(60_000);
  }

  /** Differences of every slave against the master, empty when all are identical. */
  public List<String> differences() throws IOException {
    List<String> all = new ArrayList<>();
    for (String s : slaveNames()) {
      for (String d : TreeComparison.differences(docroot("master"), docroot(s), config.excludeMatcher(), AgentEvents.isRoot())) {
        all.add(s + ": " + d);
      }
    }
    return all;
  }

  /** Temp files left in any slave's reserved folder. */
  public List<Path> leftoverTempFiles() throws IOException {
    List<Path> left = new ArrayList<>();
    for (String s : slaveNames()) {
      Path tmp = docroot(s).resolve(".replicator/tmp");
      if (Files.isDirectory(tmp)) {
        try (var files = Files.list(tmp)) {
          files.forEach(left::add);
        }
      }
    }
    return left;
  }

  @Override
  public void close() {
    if (running.containsKey("master")) {
      stop("master");
    }
    for (String name : new ArrayList<>(running.keySet())) {
      stop(name);
    }
  }

}
