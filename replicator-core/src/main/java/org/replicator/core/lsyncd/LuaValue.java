package org.replicator.core.lsyncd;

import java.util.ArrayList;
import java.util.List;

/**
 * A value the importer could work out without running anything: literals, tables, concatenations
 * of literals, and references to lsyncd's own names ({@code default.rsync}). Anything else
 * (a function, a call, arithmetic, an unknown variable) is {@link Opaque}, with why, so the
 * importer can list it. {@code line} is where the value starts.
 */
public sealed interface LuaValue {
  int line();

  record Str(String value, int line) implements LuaValue {}

  record Num(double value, String text, int line) implements LuaValue {}

  record Bool(boolean value, int line) implements LuaValue {}

  record Nil(int line) implements LuaValue {}

  /** A dotted name the file does not define, such as {@code default.rsync}. */
  record Ref(String name, int line) implements LuaValue {}

  record Opaque(String why, int line) implements LuaValue {}

  /** One field of a table constructor: {@code key} is null for a positional field. */
  record Field(String key, LuaValue value, int line) {}

  record Table(List<Field> fields, int line) implements LuaValue {
    public Table {
      fields = List.copyOf(fields);
    }

    /** The value of the last field named {@code key}, or null. */
    public LuaValue get(String key) {
      LuaValue found = null;
      for (Field f : fields) {
        if (key.equals(f.key())) {
          found = f.value();
        }
      }
      return found;
    }

    public List<LuaValue> positional() {
      List<LuaValue> out = new ArrayList<>();
      for (Field f : fields) {
        if (f.key() == null) {
          out.add(f.value());
        }
      }
      return out;
    }
  }

  /** How a value reads in a message to the operator. */
  static String describe(LuaValue v) {
    if (v instanceof Str s) {
      return "'" + s.value() + "'";
    } else if (v instanceof Num n) {
      return n.text();
    } else if (v instanceof Bool b) {
      return Boolean.toString(b.value());
    } else if (v instanceof Ref r) {
      return r.name();
    } else if (v instanceof Opaque o) {
      return o.why();
    } else if (v instanceof Table) {
      return "a table";
    }
    return "nil";
  }
}
