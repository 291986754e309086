package org.replicator.agent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * Logback layout for stdout that suits both a terminal and journald. On a terminal (or a file)
 * it is the configured {@code pattern}. When stdout is journald's stream ({@link JournalStream}),
 * it uses {@code journalPattern} instead (journald stamps each entry itself, so no timestamp of
 * our own) and starts every line, stack-trace lines included, with the syslog priority
 * ({@code <3>} error, {@code <4>} warning, {@code <6>} info, {@code <7>} debug and trace), which
 * journald strips and records: {@code journalctl -p warning -u replicator@web1} finds the warnings.
 */
public class JournalAwareLayout extends PatternLayout {
  private String journalPattern;
  private Boolean journal;

  public void setJournalPattern(String journalPattern) {
    this.journalPattern = journalPattern;
  }

  /** For tests; otherwise decided from the environment at start. */
  void setJournal(boolean journal) {
    this.journal = journal;
  }

  @Override
  public void start() {
    if (journal == null) {
      journal = JournalStream.isStdout();
    }
    if (journal && journalPattern != null) {
      setPattern(journalPattern);
    }
    super.start();
  }

  @Override
  public String doLayout(ILoggingEvent event) {
    String text = super.doLayout(event);
    if (!journal) {
      return text;
    }
    String prefix = "<" + priority(event.getLevel()) + ">";
    StringBuilder out = new StringBuilder(text.length() + 8);
    int start = 0;
    while (start < text.length()) {
      int end = text.indexOf('\n', start);
      end = end < 0 ? text.length() : end + 1;
      out.append(prefix).append(text, start, end);
      start = end;
    }
    return out.toString();
  }

  /** syslog(3) priorities; journald keeps them as PRIORITY=. */
  static int priority(Level level) {
    if (level.isGreaterOrEqual(Level.ERROR)) {
      return 3;
    }
    if (level.isGreaterOrEqual(Level.WARN)) {
      return 4;
    }
    if (level.isGreaterOrEqual(Level.INFO)) {
      return 6;
    }
    return 7;
  }
}
