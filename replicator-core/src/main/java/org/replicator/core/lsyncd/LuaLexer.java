package org.replicator.core.lsyncd;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits Lua 5.x source into tokens: names, strings (quoted with escapes, and long brackets
 * {@code [[...]]}, {@code [==[...]==]}), numbers and symbols; skips comments ({@code --} to the end
 * of the line, {@code --[[ ... ]]}). Enough of Lua's lexical grammar for lsyncd files; it never
 * evaluates anything. Bounded: the caller limits the input's size.
 */
final class LuaLexer {
  private static final String[] SYMBOLS = {"...", "..", "==", "~=", "<=", ">=", "::", "//", "<<", ">>"};

  private final String src;
  private int pos;
  private int line = 1;

  private LuaLexer(String src) {
    this.src = src;
  }

  static List<LuaToken> tokens(String src) throws LuaSyntaxException {
    LuaLexer lexer = new LuaLexer(src);
    List<LuaToken> out = new ArrayList<>();
    LuaToken t;
    do {
      t = lexer.next();
      out.add(t);
    } while (t.kind() != LuaToken.Kind.EOF);
    return out;
  }

  private LuaToken next() throws LuaSyntaxException {
    skipSpaceAndComments();
    if (pos >= src.length()) {
      return new LuaToken(LuaToken.Kind.EOF, "", line);
    }
    int startLine = line;
    char c = src.charAt(pos);
    if (Character.isLetter(c) || c == '_') {
      int start = pos;
      while (pos < src.length() && (Character.isLetterOrDigit(src.charAt(pos)) || src.charAt(pos) == '_')) {
        pos++;
      }
      return new LuaToken(LuaToken.Kind.NAME, src.substring(start, pos), startLine);
    }
    if (Character.isDigit(c) || (c == '.' && pos + 1 < src.length() && Character.isDigit(src.charAt(pos + 1)))) {
      return number(startLine);
    }
    if (c == '"' || c == '\'') {
      return new LuaToken(LuaToken.Kind.STRING, quoted(c), startLine);
    }
    if (c == '[') {
      int level = longBracketLevel();
      if (level >= 0) {
        return new LuaToken(LuaToken.Kind.STRING, longString(level), startLine);
      }
    }
    for (String s : SYMBOLS) {
      if (src.startsWith(s, pos)) {
        pos += s.length();
        return new LuaToken(LuaToken.Kind.SYMBOL, s, startLine);
      }
    }
    if ("{}()[]=,;.+-*/%^#<>:&|~".indexOf(c) >= 0) {
      pos++;
      return new LuaToken(LuaToken.Kind.SYMBOL, String.valueOf(c), startLine);
    }
    throw new LuaSyntaxException(line, "unexpected character '" + c + "'");
  }

  private void skipSpaceAndComments() throws LuaSyntaxException {
    while (pos < src.length()) {
      char c = src.charAt(pos);
      if (c == '\n') {
        line++;
        pos++;
      } else if (Character.isWhitespace(c)) {
        pos++;
      } else if (src.startsWith("--", pos)) {
        pos += 2;
        int level = pos < src.length() && src.charAt(pos) == '[' ? longBracketLevel() : -1;
        if (level >= 0) {
          longString(level);
        } else {
          while (pos < src.length() && src.charAt(pos) != '\n') {
            pos++;
          }
        }
      } else if (pos == 0 && src.startsWith("#!")) {
        while (pos < src.length() && src.charAt(pos) != '\n') {
          pos++;
        }
      } else {
        return;
      }
    }
  }

  /** At a '[': the number of '=' of a long bracket {@code [==[}, or -1 when it is not one. */
  private int longBracketLevel() {
    int p = pos + 1;
    int level = 0;
    while (p < src.length() && src.charAt(p) == '=') {
      level++;
      p++;
    }
    return p < src.length() && src.charAt(p) == '[' ? level : -1;
  }

  private String longString(int level) throws LuaSyntaxException {
    int startLine = line;
    pos += level + 2;
    // Lua drops a newline that directly follows the opening bracket.
    if (src.startsWith("\r\n", pos)) {
      pos += 2;
      line++;
    } else if (pos < src.length() && src.charAt(pos) == '\n') {
      pos++;
      line++;
    }
    String close = "]" + "=".repeat(level) + "]";
    int end = src.indexOf(close, pos);
    if (end < 0) {
      throw new LuaSyntaxException(startLine, "long string or comment opened here is never closed (" + close + ")");
    }
    String text = src.substring(pos, end);
    line += (int) text.chars().filter(ch -> ch == '\n').count();
    pos = end + close.length();
    return text;
  }

  private String quoted(char quote) throws LuaSyntaxException {
    int startLine = line;
    pos++;
    StringBuilder out = new StringBuilder();
    while (true) {
      if (pos >= src.length() || src.charAt(pos) == '\n') {
        throw new LuaSyntaxException(startLine, "unfinished string");
      }
      char c = src.charAt(pos++);
      if (c == quote) {
        return out.toString();
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (pos >= src.length()) {
        throw new LuaSyntaxException(startLine, "unfinished string");
      }
      char e = src.charAt(pos++);
      switch (e) {
        case 'n' -> out.append('\n');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case 'a' -> out.append('\u0007');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'v' -> out.append('\u000b');
        case '\\', '"', '\'' -> out.append(e);
        case '\n' -> {
          out.append('\n');
          line++;
        }
        case 'z' -> {
          while (pos < src.length() && Character.isWhitespace(src.charAt(pos))) {
            if (src.charAt(pos++) == '\n') {
              line++;
            }
          }
        }
        case 'x' -> {
          if (pos + 2 > src.length()) {
            throw new LuaSyntaxException(line, "bad \\x escape in a string");
          }
          try {
            out.append((char) Integer.parseInt(src.substring(pos, pos + 2), 16));
          } catch (NumberFormatException ex) {
            throw new LuaSyntaxException(line, "bad \\x escape in a string");
          }
          pos += 2;
        }
        default -> {
          if (!Character.isDigit(e)) {
            throw new LuaSyntaxException(line, "unknown escape \\" + e + " in a string");
          }
          int start = pos - 1;
          while (pos < src.length() && pos - start < 3 && Character.isDigit(src.charAt(pos))) {
            pos++;
          }
          out.append((char) Integer.parseInt(src.substring(start, pos)));
        }
      }
    }
  }

  private LuaToken number(int startLine) {
    int start = pos;
    if (src.startsWith("0x", pos) || src.startsWith("0X", pos)) {
      pos += 2;
      while (pos < src.length() && Character.digit(src.charAt(pos), 16) >= 0) {
        pos++;
      }
    } else {
      while (pos < src.length()) {
        char c = src.charAt(pos);
        boolean exponentSign = (c == '+' || c == '-') && (src.charAt(pos - 1) == 'e' || src.charAt(pos - 1) == 'E');
        if (Character.isDigit(c) || c == '.' || c == 'e' || c == 'E' || exponentSign) {
          if (c == '.' && src.startsWith("..", pos)) {
            break; // 1 .. "x": concatenation, not a decimal point
          }
          pos++;
        } else {
          break;
        }
      }
    }
    return new LuaToken(LuaToken.Kind.NUMBER, src.substring(start, pos), startLine);
  }
}
