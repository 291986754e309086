package org.replicator.core.lsyncd;

/** One token of an lsyncd file; {@code line} is 1-based, where the token starts. */
record LuaToken(Kind kind, String text, int line) {
  enum Kind { NAME, STRING, NUMBER, SYMBOL, EOF }

  boolean is(String symbolOrName) {
    return (kind == Kind.SYMBOL || kind == Kind.NAME) && text.equals(symbolOrName);
  }

  String describe() {
    return switch (kind) {
      case EOF -> "the end of the file";
      case STRING -> "a string";
      default -> "'" + text + "'";
    };
  }
}
