package org.replicator.agent.journal;

import java.io.IOException;
import java.nio.file.Path;

/** A journal record failed its CRC or framing check; names the file and the record's offset. */
public final class JournalCorruptException extends IOException {
  private static final long serialVersionUID = 1L;

  JournalCorruptException(Path file, long offset, String what) {
    super("journal " + file + " offset " + offset + ": " + what
        + " (the journal is damaged; move the journal directory away to restart with a catch-up of every slave)");
  }
}
