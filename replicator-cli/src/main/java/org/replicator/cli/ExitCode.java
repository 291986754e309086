package org.replicator.cli;

/** Exit codes, the same for every command (docs/operations.md). */
public final class ExitCode {
  public static final int OK = 0;
  /** Behind, timed out, or different. */
  public static final int BEHIND = 1;
  /** Usage or configuration error. */
  public static final int USAGE = 2;
  /** No agent answers on the control socket. */
  public static final int UNREACHABLE = 3;

  private ExitCode() {}
}
