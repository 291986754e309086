package org.replicator.agent.hooks;

/**
 * How one run of a hook ended. {@code exitCode} is -1 when the program could not be started
 * ({@code startError} says why) or was killed at its timeout ({@code timedOut}).
 */
record HookOutcome(int exitCode, boolean timedOut, String startError, String stderrTail, long millis) {
  boolean succeeded() {
    return exitCode == 0 && !timedOut && startError == null;
  }

  /** "exit 3", "timed out after 30 s (killed)", "cannot start: ...". */
  String describe(int timeoutSeconds) {
    if (startError != null) {
      return "cannot start: " + startError;
    }
    if (timedOut) {
      return "timed out after " + timeoutSeconds + " s (killed with its child processes)";
    }
    return "exit " + exitCode;
  }
}
