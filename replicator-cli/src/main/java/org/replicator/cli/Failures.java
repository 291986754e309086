package org.replicator.cli;

import java.net.BindException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import org.replicator.agent.api.ControlClient;
import org.replicator.core.config.ConfigException;

/**
 * The one mapping from a failure to an exit code and to the sentence the operator reads
 * (docs/operations.md, "Exit codes"). A command returns its own outcome (0 or 1) and throws for
 * everything else; {@link Main} calls this and nothing else decides an exit code for a failure.
 * No Java type name is part of a sentence: {@code --verbose} adds the stack trace.
 */
public final class Failures {
  private Failures() {}

  public static int exitCode(Throwable failure) {
    if (failure instanceof ConfigException || failure instanceof UsageException) {
      return ExitCode.USAGE;
    }
    if (failure instanceof ControlClient.UnreachableException) {
      return ExitCode.UNREACHABLE;
    }
    // An agent that answered and refused (a held mass delete, a check already running), or a
    // failure of the command itself: the work was not done.
    return ExitCode.BEHIND;
  }

  /**
   * Whether an agent's start failed for a reason that may pass without an operator: its listen
   * address is taken (a previous agent still closing) or not configured yet (early boot).
   */
  public static boolean isTransientStartFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof BindException) {
        return true;
      }
    }
    return false;
  }

  /** One sentence for stderr, without the exception's type. */
  public static String describe(Throwable failure) {
    if (failure instanceof NoSuchFileException e) {
      return e.getFile() + ": no such file or directory" + reason(e);
    }
    if (failure instanceof AccessDeniedException e) {
      return e.getFile() + ": permission denied" + reason(e);
    }
    if (failure instanceof FileAlreadyExistsException e) {
      return e.getFile() + ": already exists" + reason(e);
    }
    if (failure instanceof FileSystemException e) {
      return e.getMessage(); // "file: reason" (or "file -> other: reason")
    }
    String message = failure.getMessage();
    Throwable cause = failure.getCause();
    if (cause != null && (message == null || message.equals(cause.toString()))) {
      return describe(cause); // a wrapper that only repeats its cause
    }
    if (message == null || message.isBlank()) {
      return "internal error without a message; run the same command with --verbose and report the stack trace";
    }
    return message;
  }

  private static String reason(FileSystemException e) {
    return e.getReason() == null ? "" : " (" + e.getReason() + ")";
  }
}
