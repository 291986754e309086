package org.replicator.cli.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.replicator.cli.e2e.ProcessCluster;
import org.replicator.cli.e2e.ProcessCluster.Placement;

/**
 * One network namespace per test host, all joined by a bridge that lives in a namespace of its
 * own: {@code rf-m-PID-R} (the master, 10.77.0.1), {@code rf-s1-PID-R}, {@code rf-s2-PID-R}
 * (10.77.0.2, .3) and {@code rf-br-PID-R}. Both ends of every veth sit in these namespaces, so
 * nothing is added to the root namespace and no test host is reachable from it. Faults are
 * iptables rules on the hosts' INPUT chains (silent drops, as a real cut or lossy link is).
 *
 * <p>{@link #close()} deletes the namespaces (and with them the veths and rules); a JVM shutdown
 * hook does the same for an aborted run, and {@link #removeStale()} deletes {@code rf-*}
 * namespaces whose creating JVM (the PID in the name) is gone.
 */
public final class Netns implements Placement, AutoCloseable {
  private static final Map<String, Boolean> LIVE = new ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.keySet().forEach(Netns::deleteQuietly), "rf-netns-reaper"));
  }

  private final Map<String, String> nsOfNode = new LinkedHashMap<>();
  private final Map<String, String> ipOfNode = new LinkedHashMap<>();
  private final String bridgeNs;

  /** True when this process can create namespaces: root, and {@code ip netns} and {@code iptables} work. */
  public static String unavailableReason() {
    if (!ProcessCluster.isRoot()) {
      return "the fault suite needs root (network namespaces, iptables, tmpfs)";
    }
    try {
      if (run(List.of("ip", "netns", "list")) != 0) {
        return "`ip netns` is unavailable";
      }
      if (run(List.of("iptables", "--version")) != 0) {
        return "iptables is not installed";
      }
    } catch (IOException e) {
      return "`ip`/`iptables` cannot run: " + e.getMessage();
    }
    return null;
  }

  public Netns() throws IOException {
    removeStale();
    String tag = ProcessHandle.current().pid() + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 20));
    bridgeNs = "rf-br-" + tag;
    create(bridgeNs);
    try {
      ip(bridgeNs, "link", "add", "br0", "type", "bridge");
      ip(bridgeNs, "link", "set", "br0", "up");
      List<String> nodes = ProcessCluster.NODES;
      for (int i = 0; i < nodes.size(); i++) {
        String node = nodes.get(i);
        String ns = (i == 0 ? "rf-m-" : "rf-s" + i + "-") + tag;
        String ip = "10.77.0." + (i + 1);
        create(ns);
        String port = "p" + i;
        // Created from inside the host's namespace with the peer placed straight into the bridge's.
        ip(ns, "link", "add", "eth0", "type", "veth", "peer", "name", port, "netns", bridgeNs);
        ip(ns, "addr", "add", ip + "/24", "dev", "eth0");
        ip(ns, "link", "set", "eth0", "up");
        ip(ns, "link", "set", "lo", "up");
        ip(bridgeNs, "link", "set", port, "master", "br0");
        ip(bridgeNs, "link", "set", port, "up");
        nsOfNode.put(node, ns);
        ipOfNode.put(node, ip);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public String host(String node) {
    return ipOfNode.get(node);
  }

  @Override
  public List<String> launchPrefix(String node) {
    return List.of("ip", "netns", "exec", ns(node));
  }

  public String ns(String node) {
    String ns = nsOfNode.get(node);
    if (ns == null) {
      throw new IllegalArgumentException("no namespace for node " + node);
    }
    return ns;
  }

  /** Silently drops every packet arriving at any host: the network is cut, nobody is told. */
  public void cut() throws IOException {
    for (String ns : nsOfNode.values()) {
      exec(ns, "iptables", "-I", "INPUT", "-j", "DROP");
    }
  }

  public void heal() throws IOException {
    for (String ns : nsOfNode.values()) {
      exec(ns, "iptables", "-F", "INPUT");
    }
  }

  /** Drops each arriving packet with probability {@code p} on every host. */
  public void loss(double p) throws IOException {
    for (String ns : nsOfNode.values()) {
      exec(ns, "iptables", "-A", "INPUT", "-m", "statistic", "--mode", "random", "--probability", Double.toString(p), "-j", "DROP");
    }
  }

  /** Reachability check from the master's namespace (never from the root namespace). */
  public boolean masterReaches(String node) throws IOException {
    return run(List.of("ip", "netns", "exec", ns(ProcessCluster.MASTER), "ping", "-c", "1", "-W", "1", host(node))) == 0;
  }

  public void exec(String ns, String... cmd) throws IOException {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    all.addAll(List.of(cmd));
    check(all);
  }

  private static void ip(String ns, String... args) throws IOException {
    List<String> all = new ArrayList<>(List.of("ip", "-n", ns));
    all.addAll(List.of(args));
    check(all);
  }

  private static void create(String ns) throws IOException {
    check(List.of("ip", "netns", "add", ns));
    LIVE.put(ns, true);
  }

  @Override
  public void close() {
    List<String> all = new ArrayList<>(nsOfNode.values());
    all.add(bridgeNs);
    for (String ns : all) {
      deleteQuietly(ns);
    }
  }

  private static void deleteQuietly(String ns) {
    try {
      run(List.of("ip", "netns", "del", ns));
    } catch (IOException e) {
      System.out.println("faults: cannot delete namespace " + ns + ": " + e);
    }
    LIVE.remove(ns);
  }

  /** Deletes {@code rf-*} namespaces left by a JVM that no longer runs (a killed earlier run). */
  public static void removeStale() {
    Path dir = Path.of("/run/netns");
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var names = Files.list(dir)) {
      for (Path p : names.toList()) {
        String name = p.getFileName().toString();
        String[] parts = name.split("-");
        if (parts.length == 4 && parts[0].equals("rf")) {
          try {
            long pid = Long.parseLong(parts[2]);
            if (ProcessHandle.of(pid).isEmpty()) {
              System.out.println("faults: removing stale namespace " + name);
              deleteQuietly(name);
            }
          } catch (NumberFormatException e) {
            // Not one of ours.
          }
        }
      }
    } catch (IOException e) {
      System.out.println("faults: cannot list /run/netns: " + e);
    }
  }

  private static void check(List<String> cmd) throws IOException {
    int exit = run(cmd);
    if (exit != 0) {
      throw new IOException(String.join(" ", cmd) + " exited " + exit);
    }
  }

  static int run(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted running " + cmd, e);
    }
    return p.exitValue();
  }
}
