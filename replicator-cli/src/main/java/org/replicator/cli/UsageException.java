package org.replicator.cli;

/**
 * A command line that parses but cannot be acted on (exit 2). Its own file, not nested in
 * {@link Main}: commands throw it, and a command importing {@code Main} made an import loop.
 */
public final class UsageException extends Exception {
  public UsageException(String message) {
    super(message);
  }
}
