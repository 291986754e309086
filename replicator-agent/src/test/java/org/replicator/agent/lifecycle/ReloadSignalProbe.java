package org.replicator.agent.lifecycle;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.replicator.agent.Agent;
import org.replicator.core.config.ClusterConfig;

/**
 * A JVM of its own for {@link ReloadSignalTest}: installs the SIGHUP handler for the cluster file
 * named by its argument, prints what {@code install} returned, sends itself SIGHUP and prints
 * "alive" a second later (a SIGHUP nobody catches would have ended it before).
 */
public final class ReloadSignalProbe {
  private ReloadSignalProbe() {}

  public static void main(String[] args) throws Exception {
    Agent agent = new Agent() {
      @Override public void start() {}
      @Override public Map<String, Object> status(boolean verbose) { return Map.of(); }
      @Override public Path stateDir() { return Path.of(args[0]).getParent(); }
      @Override public Map<String, Object> reload(ClusterConfig next) { return Map.of("probe", "reloaded"); }
      @Override public void close() {}
    };
    System.out.println("installed=" + ReloadSignal.install(agent, Path.of(args[0])));
    System.out.flush();
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -HUP failed");
    }
    Thread.sleep(1000);
    System.out.println("alive");
  }
}
