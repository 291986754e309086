package org.replicator.agent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalAwareLayoutTest {
  private static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{0} %msg%n";
  private static final String JOURNAL_PATTERN = "%-5level %logger{0} %msg%n";

  @TempDir Path dir;

  @Test
  void underJournaldEveryLineCarriesItsPriorityAndNoTimestamp() {
    JournalAwareLayout layout = layout(true);
    assertThat(layout.doLayout(event(Level.WARN, "slave=web2 lag 12 s", null))).isEqualTo("<4>WARN  SlaveLink slave=web2 lag 12 s\n");
    assertThat(layout.doLayout(event(Level.INFO, "started", null))).isEqualTo("<6>INFO  SlaveLink started\n");
    assertThat(layout.doLayout(event(Level.DEBUG, "frame", null))).startsWith("<7>DEBUG");
    String withTrace = layout.doLayout(event(Level.ERROR, "apply failed", new IOException("disk full")));
    assertThat(withTrace.lines()).hasSizeGreaterThan(2).allMatch(line -> line.startsWith("<3>"));
    assertThat(withTrace).contains("<3>java.io.IOException: disk full").endsWith("\n");
  }

  @Test
  void onATerminalLinesKeepTheirTimestampAndHaveNoPrefix() {
    String line = layout(false).doLayout(event(Level.WARN, "slave=web2 lag 12 s", null));
    assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S* WARN  SlaveLink slave=web2 lag 12 s\n");
  }

  @Test
  void journalStreamIsTrustedOnlyWhenItNamesStdout() throws IOException {
    Path stream = Files.createFile(dir.resolve("stream"));
    String id = Files.getAttribute(stream, "unix:dev") + ":" + Files.getAttribute(stream, "unix:ino");
    assertThat(JournalStream.matches(Map.of("JOURNAL_STREAM", id), stream)).isTrue();
    Path other = Files.createFile(dir.resolve("redirected"));
    assertThat(JournalStream.matches(Map.of("JOURNAL_STREAM", id), other)).as("stdout redirected elsewhere").isFalse();
    assertThat(JournalStream.matches(Map.of(), stream)).isFalse();
    assertThat(JournalStream.matches(Map.of("JOURNAL_STREAM", "garbage"), stream)).isFalse();
  }

  @Test
  void logLevelRejectsUnknownNamesListingTheValidOnes() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LogLevel.set("verbose"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("log level 'verbose' is not one of error, warn, info, debug, trace");
  }

  private static JournalAwareLayout layout(boolean journal) {
    JournalAwareLayout layout = new JournalAwareLayout();
    layout.setContext(new LoggerContext());
    layout.setPattern(PATTERN);
    layout.setJournalPattern(JOURNAL_PATTERN);
    layout.setJournal(journal);
    layout.start();
    return layout;
  }

  private static LoggingEvent event(Level level, String message, Throwable thrown) {
    LoggerContext context = new LoggerContext();
    return new LoggingEvent("test", context.getLogger("org.replicator.agent.master.SlaveLink"), level, message, thrown, null);
  }
}
