package org.replicator.agent.lifecycle;

import java.nio.file.Path;
import java.util.Map;
import org.replicator.agent.Agent;
import org.replicator.core.config.ClusterConfigLoader;
import org.replicator.core.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP makes a running agent re-read its cluster file, as {@code replicator reload} does
 * ({@code systemctl reload replicator}). The outcome is logged: the changes, or why nothing
 * changed (invalid file, naming file, line and key; or a change that needs a restart).
 *
 * <p>{@code sun.misc.Signal} (module jdk.unsupported, exported to everyone) is the JDK's only way
 * to catch a signal. It is reached by reflection because javac's "internal proprietary API"
 * warning about it cannot be suppressed and the build treats warnings as errors. Where it is
 * missing, {@code replicator reload} still works.
 */
public final class ReloadSignal {
  private static final Logger log = LoggerFactory.getLogger(ReloadSignal.class);

  private ReloadSignal() {}

  /**
   * Installs the handler; false (logged) when this JVM cannot catch SIGHUP or the process was
   * started with SIGHUP ignored.
   */
  public static boolean install(Agent agent, Path clusterFile) {
    try {
      Class<?> signalClass = Class.forName("sun.misc.Signal");
      Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
      Object handler = java.lang.reflect.Proxy.newProxyInstance(ReloadSignal.class.getClassLoader(), new Class<?>[] {handlerClass},
          (proxy, method, args) -> {
            if (method.getName().equals("handle")) {
              reload(agent, clusterFile);
              return null;
            }
            // Object methods of the proxy (toString, hashCode, equals) answer for themselves.
            return method.getName().equals("toString") ? "replicator reload on SIGHUP"
                : method.getName().equals("hashCode") ? System.identityHashCode(proxy) : proxy == args[0];
          });
      Object hup = signalClass.getConstructor(String.class).newInstance("HUP");
      Object previous = signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, hup, handler);
      if (previous == handlerClass.getField("SIG_IGN").get(null)) {
        // The JVM leaves a signal ignored that the process inherited as ignored (nohup, some
        // supervisors), and Signal.handle returns without error: warn, or SIGHUP would do nothing.
        log.warn("SIGHUP is ignored by this process (inherited from what started it, e.g. nohup): a SIGHUP will not "
            + "reload {}; use replicator reload, or start the agent with SIGHUP at its default (systemd does)", clusterFile);
        return false;
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      log.warn("SIGHUP cannot be caught here ({}); use replicator reload", e.toString());
      return false;
    }
  }

  /** Runs on the JVM's signal thread; never throws (an exception there would end the process). */
  static void reload(Agent agent, Path clusterFile) {
    try {
      Map<String, Object> result = agent.reload(ClusterConfigLoader.load(clusterFile));
      log.info("SIGHUP: reloaded {}: {}", clusterFile, result);
    } catch (ConfigException | IllegalArgumentException e) {
      log.error("SIGHUP: reload refused, nothing changed: {}", e.getMessage());
    } catch (Exception e) {
      log.error("SIGHUP: reload of {} failed: {}", clusterFile, e.toString());
    }
  }
}
