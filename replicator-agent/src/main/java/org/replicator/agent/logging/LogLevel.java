package org.replicator.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.List;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/** Sets the level of Replicator's own loggers at run time ({@code replicator agent --log-level}). */
public final class LogLevel {
  public static final List<String> NAMES = List.of("error", "warn", "info", "debug", "trace");

  private LogLevel() {}

  /**
   * Sets the root logger's level (libraries keep their own floors from logback.xml).
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static void set(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (!NAMES.contains(lower)) {
      throw new IllegalArgumentException("log level '" + name + "' is not one of " + String.join(", ", NAMES));
    }
    if (LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME) instanceof Logger root) {
      root.setLevel(Level.toLevel(lower));
    }
  }
}
