package org.replicator.agent;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Records the formatted lines one logger writes, for tests that assert what an operator would read
 * (a rejected peer's address and fingerprint). Thread safe: event loops append, the test reads.
 */
final class RecordingAppender extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Logger logger;

  RecordingAppender(String loggerName) {
    logger = (Logger) LoggerFactory.getLogger(loggerName);
    setContext(logger.getLoggerContext());
    start();
    logger.addAppender(this);
  }

  @Override
  protected void append(ILoggingEvent event) {
    lines.add(event.getLevel() + " " + event.getFormattedMessage());
  }

  List<String> lines() {
    return List.copyOf(lines);
  }

  /** The recorded lines that contain every one of {@code parts}. */
  List<String> containing(String... parts) {
    return lines.stream().filter(l -> {
      for (String p : parts) {
        if (!l.contains(p)) {
          return false;
        }
      }
      return true;
    }).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    stop();
  }
}
