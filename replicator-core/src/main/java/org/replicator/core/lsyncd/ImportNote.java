package org.replicator.core.lsyncd;

/**
 * One line of the import report, printed on stderr. {@link Kind#LEFT_OUT} and {@link Kind#CLAMPED}
 * mean the cluster file does not do all the lsyncd file did (exit 1); {@link Kind#INFO} says how
 * an item was mapped or why Replicator does not need it.
 */
public record ImportNote(int line, Kind kind, String message) {
  public enum Kind { INFO, CLAMPED, LEFT_OUT }

  public boolean lost() {
    return kind != Kind.INFO;
  }

  /** {@code line 12: left out: ...}, the form the command prints. */
  public String format() {
    String label = switch (kind) {
      case INFO -> "note";
      case CLAMPED -> "clamped";
      case LEFT_OUT -> "left out";
    };
    return (line > 0 ? "line " + line + ": " : "") + label + ": " + message;
  }
}
