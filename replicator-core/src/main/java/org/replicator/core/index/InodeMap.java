package org.replicator.core.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Inode → paths multimap for {@link Index}, kept compact on purpose: open addressing over a
 * {@code long[]} of inodes and an {@code Object[]} of values, where a value is the path String
 * itself (the same object the {@link Entry} holds, so it costs nothing) or, for a hard-link group,
 * a {@code String[]}. No boxing, no node per entry: about 12 bytes per inode at the load factor
 * used. Inode 0 means "unknown" and is never stored (it is also the empty-slot marker).
 *
 * <p>Not thread safe; owned by the {@link Index} that holds it.
 */
final class InodeMap {
  private static final int MIN_CAPACITY = 16;

  private long[] keys;
  private Object[] values;
  private int size;

  InodeMap() {
    this(0);
  }

  /** Sized for {@code expected} inodes without growing (a bulk load: no rehash on the way). */
  InodeMap(int expected) {
    int capacity = MIN_CAPACITY;
    while (capacity < (1 << 30) && (long) expected * 10 > (long) capacity * 6) {
      capacity <<= 1;
    }
    keys = new long[capacity];
    values = new Object[capacity];
  }

  private InodeMap(InodeMap other) {
    keys = other.keys.clone();
    values = other.values.clone();
    // String[] groups are replaced, never mutated in place, so sharing them is safe.
    size = other.size;
  }

  InodeMap copy() {
    return new InodeMap(this);
  }

  int size() {
    return size;
  }

  void add(long inode, String path) {
    if (inode == 0) {
      return;
    }
    int i = find(inode);
    if (keys[i] == 0) {
      keys[i] = inode;
      values[i] = path;
      if (++size * 10 > keys.length * 6) {
        resize(keys.length * 2);
      }
      return;
    }
    Object v = values[i];
    if (v instanceof String s) {
      if (!s.equals(path)) {
        values[i] = new String[] {s, path};
      }
    } else {
      String[] group = (String[]) v;
      for (String s : group) {
        if (s.equals(path)) {
          return;
        }
      }
      String[] grown = Arrays.copyOf(group, group.length + 1);
      grown[group.length] = path;
      values[i] = grown;
    }
  }

  void remove(long inode, String path) {
    if (inode == 0) {
      return;
    }
    int i = find(inode);
    if (keys[i] == 0) {
      return;
    }
    Object v = values[i];
    if (v instanceof String s) {
      if (s.equals(path)) {
        removeAt(i);
      }
      return;
    }
    String[] group = (String[]) v;
    int at = -1;
    for (int k = 0; k < group.length; k++) {
      if (group[k].equals(path)) {
        at = k;
        break;
      }
    }
    if (at < 0) {
      return;
    }
    if (group.length == 2) {
      values[i] = group[1 - at];
    } else {
      String[] shrunk = new String[group.length - 1];
      System.arraycopy(group, 0, shrunk, 0, at);
      System.arraycopy(group, at + 1, shrunk, at, group.length - at - 1);
      values[i] = shrunk;
    }
  }

  /** Paths recorded for {@code inode}, sorted; empty when none. */
  List<String> get(long inode) {
    if (inode == 0) {
      return List.of();
    }
    int i = find(inode);
    if (keys[i] == 0) {
      return List.of();
    }
    Object v = values[i];
    if (v instanceof String s) {
      return List.of(s);
    }
    List<String> out = new ArrayList<>(Arrays.asList((String[]) v));
    out.sort(null);
    return List.copyOf(out);
  }

  /** Slot holding {@code inode}, or the empty slot where it would go. */
  private int find(long inode) {
    int mask = keys.length - 1;
    int i = slot(inode, mask);
    while (keys[i] != 0 && keys[i] != inode) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private static int slot(long inode, int mask) {
    long h = inode * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32)) & mask;
  }

  /** Backward-shift deletion: linear probing without tombstones. */
  private void removeAt(int i) {
    int mask = keys.length - 1;
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      if (keys[j] == 0) {
        break;
      }
      int k = slot(keys[j], mask);
      boolean stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!stays) {
        keys[i] = keys[j];
        values[i] = values[j];
        i = j;
      }
    }
    keys[i] = 0;
    values[i] = null;
    size--;
  }

  private void resize(int capacity) {
    long[] oldKeys = keys;
    Object[] oldValues = values;
    keys = new long[capacity];
    values = new Object[capacity];
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != 0) {
        int j = find(oldKeys[i]);
        keys[j] = oldKeys[i];
        values[j] = oldValues[i];
      }
    }
  }
}
