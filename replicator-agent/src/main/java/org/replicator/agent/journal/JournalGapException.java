package org.replicator.agent.journal;

import java.io.IOException;

/** The journal no longer holds the batch a reader needs: retention dropped it. */
public final class JournalGapException extends IOException {
  private static final long serialVersionUID = 1L;

  JournalGapException(String message) {
    super(message);
  }
}
