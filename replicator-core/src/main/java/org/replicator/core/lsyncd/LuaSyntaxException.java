package org.replicator.core.lsyncd;

/** The file is not Lua this importer can read at {@code line}: the whole import stops (exit 2). */
public final class LuaSyntaxException extends Exception {
  private final int line;

  LuaSyntaxException(int line, String message) {
    super("line " + line + ": " + message);
    this.line = line;
  }

  public int line() {
    return line;
  }
}
