package org.replicator.core.lsyncd;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.replicator.core.lsyncd.LuaToken.Kind;

/**
 * Reads an lsyncd configuration (a Lua program) as data, never running it: {@code settings {...}},
 * {@code settings = {...}}, {@code sync {...}} and {@code sync({...})} calls; {@code local} and
 * global variables holding literals or tables; {@code ..} concatenation of strings and numbers.
 * A statement it cannot follow (a function, a loop, a call of something else) is skipped and
 * noted with its line; a value it cannot work out becomes {@link LuaValue.Opaque}. Only a lexical
 * error (an unfinished string, a stray character) or a malformed table stops it. Pure; not
 * thread-safe (one parser per file).
 */
public final class LsyncdParser {
  private static final Set<String> BLOCK_OPEN = Set.of("function", "do", "then", "repeat");
  private static final Set<String> STATEMENT_KEYWORDS = Set.of("function", "if", "for", "while", "do", "repeat", "return", "goto", "break");
  /** Nesting beyond this is not an lsyncd configuration; refuse before the stack runs out. */
  private static final int MAX_DEPTH = 64;

  private final List<LuaToken> tokens;
  private int pos;
  private int depth;
  private final Map<String, LuaValue> variables = new HashMap<>();
  private final List<LuaValue.Table> settings = new ArrayList<>();
  private final List<LuaValue.Table> syncs = new ArrayList<>();
  private final List<ImportNote> notes = new ArrayList<>();

  private LsyncdParser(List<LuaToken> tokens) {
    this.tokens = tokens;
  }

  public static LsyncdFile parse(String source) throws LuaSyntaxException {
    LsyncdParser p = new LsyncdParser(LuaLexer.tokens(source));
    p.chunk();
    return new LsyncdFile(p.settings, p.syncs, p.notes);
  }

  private void chunk() throws LuaSyntaxException {
    while (peek().kind() != Kind.EOF) {
      if (peek().is(";")) {
        pos++;
        continue;
      }
      statement();
    }
  }

  private void statement() throws LuaSyntaxException {
    LuaToken first = peek();
    if (first.is("local") && peek(1).is("function")) {
      skip(first, "a local function definition");
    } else if (first.is("local")) {
      pos++;
      localAssignment(first);
    } else if (first.kind() == Kind.NAME && STATEMENT_KEYWORDS.contains(first.text())) {
      skip(first, "a '" + first.text() + "' statement");
    } else if (first.kind() == Kind.NAME) {
      nameStatement(first);
    } else {
      skip(first, "a statement starting with " + first.describe());
    }
  }

  private void localAssignment(LuaToken local) throws LuaSyntaxException {
    List<String> names = new ArrayList<>();
    names.add(expectName().text());
    while (peek().is(",")) {
      pos++;
      names.add(expectName().text());
    }
    List<LuaValue> values = new ArrayList<>();
    if (peek().is("=")) {
      pos++;
      values.add(expression());
      while (peek().is(",")) {
        pos++;
        values.add(expression());
      }
    }
    for (int i = 0; i < names.size(); i++) {
      variables.put(names.get(i), i < values.size() ? values.get(i) : new LuaValue.Nil(local.line()));
    }
  }

  /** {@code name = value}, {@code name.field = value}, {@code name {table}}, {@code name(args)}. */
  private void nameStatement(LuaToken first) throws LuaSyntaxException {
    int start = pos;
    String name = dottedName();
    if (peek().is("=") && !name.contains(".")) {
      pos++;
      LuaValue value = expression();
      if (name.equals("settings") && value instanceof LuaValue.Table t) {
        settings.add(t);
      } else {
        variables.put(name, value);
      }
      return;
    }
    if (peek().is("=")) {
      // settings.logfile = "..." (the older lsyncd style) or default.rsync.x = ...
      pos++;
      LuaValue value = expression();
      if (name.startsWith("settings.")) {
        settings.add(new LuaValue.Table(List.of(new LuaValue.Field(name.substring("settings.".length()), value, first.line())), first.line()));
      } else {
        notes.add(new ImportNote(first.line(), ImportNote.Kind.LEFT_OUT, "assignment to " + name + " is not understood"));
      }
      return;
    }
    if (peek().is("{") || peek().is("(") || peek().kind() == Kind.STRING) {
      List<LuaValue> args = callArguments();
      LuaValue arg = args.isEmpty() ? null : args.get(0);
      if ((name.equals("settings") || name.equals("sync")) && arg instanceof LuaValue.Table t && args.size() == 1) {
        (name.equals("settings") ? settings : syncs).add(t);
      } else {
        notes.add(new ImportNote(first.line(), ImportNote.Kind.LEFT_OUT, "call of " + name + "(...) is not understood and was skipped"));
      }
      return;
    }
    pos = start;
    skip(first, "a statement starting with '" + first.text() + "'");
  }

  private List<LuaValue> callArguments() throws LuaSyntaxException {
    List<LuaValue> args = new ArrayList<>();
    if (peek().is("{")) {
      args.add(table());
    } else if (peek().kind() == Kind.STRING) {
      LuaToken s = next();
      args.add(new LuaValue.Str(s.text(), s.line()));
    } else {
      expect("(");
      if (!peek().is(")")) {
        args.add(expression());
        while (peek().is(",")) {
          pos++;
          args.add(expression());
        }
      }
      expect(")");
    }
    return args;
  }

  /** Concatenations of terms; other operators make the value opaque. */
  private LuaValue expression() throws LuaSyntaxException {
    if (++depth > MAX_DEPTH) {
      throw new LuaSyntaxException(peek().line(), "nesting deeper than " + MAX_DEPTH);
    }
    try {
      LuaValue left = term();
      while (true) {
        LuaToken op = peek();
        if (op.is("..")) {
          pos++;
          left = concat(left, term());
        } else if (op.kind() == Kind.SYMBOL && Set.of("+", "-", "*", "/", "%", "^", "==", "~=", "<", ">", "<=", ">=", "//").contains(op.text())
            || op.is("and") || op.is("or")) {
          pos++;
          term();
          left = new LuaValue.Opaque("an expression with '" + op.text() + "'", left.line());
        } else {
          return left;
        }
      }
    } finally {
      depth--;
    }
  }

  private static LuaValue concat(LuaValue a, LuaValue b) {
    String left = text(a);
    String right = text(b);
    if (left == null || right == null) {
      LuaValue bad = left == null ? a : b;
      return new LuaValue.Opaque("a concatenation with " + LuaValue.describe(bad), a.line());
    }
    return new LuaValue.Str(left + right, a.line());
  }

  private static String text(LuaValue v) {
    if (v instanceof LuaValue.Str s) {
      return s.value();
    }
    if (v instanceof LuaValue.Num n) {
      return n.value() == Math.rint(n.value()) && !n.text().contains(".") ? Long.toString((long) n.value()) : n.text();
    }
    return null;
  }

  private LuaValue term() throws LuaSyntaxException {
    LuaToken t = peek();
    switch (t.kind()) {
      case STRING -> {
        pos++;
        return new LuaValue.Str(t.text(), t.line());
      }
      case NUMBER -> {
        pos++;
        return number(t, false);
      }
      case EOF -> throw new LuaSyntaxException(t.line(), "a value expected, found the end of the file");
      default -> {
        // handled below
      }
    }
    if (t.is("{")) {
      return table();
    }
    if (t.is("(")) {
      pos++;
      LuaValue inner = expression();
      expect(")");
      return inner;
    }
    if (t.is("-") && peek(1).kind() == Kind.NUMBER) {
      pos++;
      return number(next(), true);
    }
    if (t.is("true") || t.is("false")) {
      pos++;
      return new LuaValue.Bool(t.text().equals("true"), t.line());
    }
    if (t.is("nil")) {
      pos++;
      return new LuaValue.Nil(t.line());
    }
    if (t.is("function")) {
      skipBlock();
      return new LuaValue.Opaque("a function", t.line());
    }
    if (t.kind() == Kind.NAME) {
      String name = dottedName();
      if (peek().is("{") || peek().is("(") || peek().kind() == Kind.STRING) {
        callArguments();
        return new LuaValue.Opaque("a call of " + name + "(...)", t.line());
      }
      return lookup(name, t.line());
    }
    throw new LuaSyntaxException(t.line(), "a value expected, found " + t.describe());
  }

  private LuaValue lookup(String name, int line) {
    String head = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
    LuaValue v = variables.get(head);
    if (v == null) {
      // lsyncd's own tables (default.rsync, ...) and the environment (os.getenv is a call).
      return head.equals("default") || head.equals("bash") || head.equals("os") ? new LuaValue.Ref(name, line)
          : new LuaValue.Opaque("the variable '" + name + "', not defined in this file", line);
    }
    for (String field : name.contains(".") ? name.substring(head.length() + 1).split("\\.") : new String[0]) {
      if (!(v instanceof LuaValue.Table table) || table.get(field) == null) {
        return new LuaValue.Opaque("'" + name + "', not found in this file", line);
      }
      v = table.get(field);
    }
    return v;
  }

  private LuaValue.Table table() throws LuaSyntaxException {
    LuaToken open = expect("{");
    if (++depth > MAX_DEPTH) {
      throw new LuaSyntaxException(open.line(), "tables nested deeper than " + MAX_DEPTH);
    }
    List<LuaValue.Field> fields = new ArrayList<>();
    while (!peek().is("}")) {
      LuaToken start = peek();
      if (start.is("[")) {
        pos++;
        LuaValue key = expression();
        expect("]");
        expect("=");
        String k = text(key);
        fields.add(new LuaValue.Field(k == null ? "[" + LuaValue.describe(key) + "]" : k, expression(), start.line()));
      } else if (start.kind() == Kind.NAME && peek(1).is("=") && !peek(1).is("==")) {
        pos += 2;
        fields.add(new LuaValue.Field(start.text(), expression(), start.line()));
      } else {
        fields.add(new LuaValue.Field(null, expression(), start.line()));
      }
      if (peek().is(",") || peek().is(";")) {
        pos++;
      } else if (!peek().is("}")) {
        throw new LuaSyntaxException(peek().line(), "',' or '}' expected in the table opened at line " + open.line()
            + ", found " + peek().describe());
      }
    }
    pos++;
    depth--;
    return new LuaValue.Table(fields, open.line());
  }

  private static LuaValue.Num number(LuaToken t, boolean negative) throws LuaSyntaxException {
    try {
      String text = t.text().toLowerCase(java.util.Locale.ROOT);
      double v = text.startsWith("0x") ? Long.parseLong(text.substring(2), 16) : Double.parseDouble(text);
      return new LuaValue.Num(negative ? -v : v, (negative ? "-" : "") + t.text(), t.line());
    } catch (NumberFormatException e) {
      throw new LuaSyntaxException(t.line(), "malformed number '" + t.text() + "'");
    }
  }

  private String dottedName() throws LuaSyntaxException {
    StringBuilder name = new StringBuilder(expectName().text());
    while (peek().is(".") && peek(1).kind() == Kind.NAME) {
      pos++;
      name.append('.').append(next().text());
    }
    return name.toString();
  }

  /**
   * Skips one statement: balanced brackets and block keywords, up to the first token at depth 0
   * that starts a new line. Notes it as left out.
   */
  private void skip(LuaToken first, String what) throws LuaSyntaxException {
    notes.add(new ImportNote(first.line(), ImportNote.Kind.LEFT_OUT, what + " is not understood and was skipped"));
    int lastLine = first.line();
    int open = 0;
    boolean consumed = false;
    while (peek().kind() != Kind.EOF) {
      LuaToken t = peek();
      if (consumed && open == 0 && t.line() > lastLine) {
        return;
      }
      if (t.is("{") || t.is("(") || t.is("[") || (t.kind() == Kind.NAME && BLOCK_OPEN.contains(t.text()))) {
        open++;
      } else if (t.is("}") || t.is(")") || t.is("]") || t.is("end") || t.is("until") || t.is("elseif")) {
        open = Math.max(0, open - 1);
      }
      pos++;
      consumed = true;
      lastLine = t.line();
    }
  }

  /** From 'function' to its matching 'end'. */
  private void skipBlock() throws LuaSyntaxException {
    LuaToken start = next();
    int open = 1;
    while (open > 0) {
      LuaToken t = next();
      if (t.kind() == Kind.EOF) {
        throw new LuaSyntaxException(start.line(), "function opened here has no 'end'");
      }
      if (t.kind() == Kind.NAME && BLOCK_OPEN.contains(t.text())) {
        open++;
      } else if (t.is("end") || t.is("until") || t.is("elseif")) {
        open--; // an elseif's 'then' opens again
      }
    }
  }

  private LuaToken expectName() throws LuaSyntaxException {
    LuaToken t = next();
    if (t.kind() != Kind.NAME) {
      throw new LuaSyntaxException(t.line(), "a name expected, found " + t.describe());
    }
    return t;
  }

  private LuaToken expect(String symbol) throws LuaSyntaxException {
    LuaToken t = next();
    if (!t.is(symbol)) {
      throw new LuaSyntaxException(t.line(), "'" + symbol + "' expected, found " + t.describe());
    }
    return t;
  }

  private LuaToken peek() {
    return peek(0);
  }

  private LuaToken peek(int ahead) {
    return tokens.get(Math.min(pos + ahead, tokens.size() - 1));
  }

  private LuaToken next() {
    LuaToken t = peek();
    if (pos < tokens.size() - 1) {
      pos++;
    }
    return t;
  }
}
