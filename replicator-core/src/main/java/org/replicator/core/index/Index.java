package org.replicator.core.index;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import net.openhft.hashing.LongHashFunction;
import org.replicator.core.path.RelPath;

/**
 * What a node knows of its tree: one {@link Entry} per relative path, an inode → paths multimap
 * (move pairing, hard-link groups), counters and a tree digest kept up to date on every change.
 *
 * <p><b>Order.</b> Entries are kept in {@link String#compareTo} order of their paths. A parent
 * always sorts before its descendants, but they are not necessarily contiguous ({@code "a b"} sorts
 * between {@code "a"} and {@code "a/b"} since ' ' &lt; '/'); descendants are found with the key range
 * {@code [p + "/", p + "0")}, '0' being the character after '/'. Both ends of a comparison must use
 * this same order.
 *
 * <p><b>Digest.</b> {@link #digest()} is the sum (mod 2^64) of {@link #entryDigest} over all
 * entries, so a change costs one entry hash and two ways of building the same tree give the same
 * digest. It covers only what replication makes equal on every node, never inode, nlink or ctime.
 *
 * <p><b>Memory.</b> Per entry: one TreeMap node, the {@link Entry} record, its path String and
 * one slot in the {@link InodeMap} (no boxing). 100,000 entries with WordPress-like paths take
 * about 25 MB of heap (see {@code IndexMemoryTest}).
 *
 * <p><b>Threads.</b> Not thread safe and not meant to be: one thread owns an index (the master's
 * planner thread, or the slave's applier thread). Give other threads a {@link #copy()}.
 *
 * <p>Does not touch the disk except in {@link #save} and {@link #load}; does not know about
 * excludes (a scanner never puts excluded paths in).
 */
public final class Index {
  private static final LongHashFunction XX3 = LongHashFunction.xx3();

  private final TreeMap<String, Entry> byPath;
  private final InodeMap inodes;
  private long fileCount;
  private long totalBytes;
  private long digest;

  public Index() {
    byPath = new TreeMap<>();
    inodes = new InodeMap();
  }

  /** For {@link #ofSorted}: the map is built, the rest follows entry by entry. */
  private Index(TreeMap<String, Entry> byPath, int expectedInodes) {
    this.byPath = byPath;
    this.inodes = new InodeMap(expectedInodes);
  }

  /**
   * An index of {@code entries}, which must be in index order (strictly increasing paths, as a
   * {@link org.replicator.core.scan.Scanner scan} and the index file give them). Equal to putting
   * them one by one, in linear time: the TreeMap is built balanced from the sorted run (no
   * comparison per level, no rebalancing), which matters at start, when 100,000 entries are loaded
   * and then surveyed into a new index (issue 16).
   *
   * @throws IllegalArgumentException when two paths are not in strictly increasing order
   * @throws org.replicator.core.path.UnsafePathException when a path is not a valid relative path
   */
  public static Index ofSorted(List<Entry> entries) {
    String previous = null;
    for (Entry e : entries) {
      Objects.requireNonNull(e.type(), "type");
      Objects.requireNonNull(e.linkTarget(), "linkTarget");
      RelPath.validate(e.path());
      if (previous != null && previous.compareTo(e.path()) >= 0) {
        throw new IllegalArgumentException("entries out of order: '" + e.path() + "' follows '" + previous + "'");
      }
      previous = e.path();
    }
    return ofChecked(entries);
  }

  /** {@link #ofSorted} for a caller that has checked every path and the order ({@link IndexFile}). */
  static Index ofChecked(List<Entry> entries) {
    Index index = new Index(new TreeMap<>(new SortedRun<>(entries, Entry::path)), entries.size());
    for (Entry e : entries) {
      index.remember(e);
    }
    return index;
  }

  /**
   * A sorted list seen as the {@link SortedMap} that {@link TreeMap#TreeMap(SortedMap)} copies in
   * linear time; only what that constructor reads is implemented.
   */
  private static final class SortedRun<V> extends AbstractMap<String, V> implements SortedMap<String, V> {
    private final List<V> values;
    private final Function<V, String> key;

    SortedRun(List<V> values, Function<V, String> key) {
      this.values = values;
      this.key = key;
    }

    @Override
    public Comparator<? super String> comparator() {
      return null; // natural String order, the index's order
    }

    @Override
    public int size() {
      return values.size();
    }

    @Override
    public Set<Map.Entry<String, V>> entrySet() {
      return new AbstractSet<>() {
        @Override
        public Iterator<Map.Entry<String, V>> iterator() {
          Iterator<V> it = values.iterator();
          return new Iterator<>() {
            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public Map.Entry<String, V> next() {
              V v = it.next();
              return new AbstractMap.SimpleImmutableEntry<>(key.apply(v), v);
            }
          };
        }

        @Override
        public int size() {
          return values.size();
        }
      };
    }

    @Override
    public SortedMap<String, V> subMap(String fromKey, String toKey) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SortedMap<String, V> headMap(String toKey) {
      throw new UnsupportedOperationException();
    }

    @Override
    public SortedMap<String, V> tailMap(String fromKey) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String firstKey() {
      return key.apply(values.get(0));
    }

    @Override
    public String lastKey() {
      return key.apply(values.get(values.size() - 1));
    }
  }

  private Index(Index other) {
    byPath = new TreeMap<>(other.byPath);
    inodes = other.inodes.copy();
    fileCount = other.fileCount;
    totalBytes = other.totalBytes;
    digest = other.digest;
  }

  /** The entry at {@code path}, or null. */
  public Entry get(String path) {
    return byPath.get(path);
  }

  /** Inserts or replaces the entry at {@code e.path()}, which must be a valid {@link RelPath}. */
  public void put(Entry e) {
    Objects.requireNonNull(e.type(), "type");
    Objects.requireNonNull(e.linkTarget(), "linkTarget");
    RelPath.validate(e.path());
    Entry old = byPath.put(e.path(), e);
    if (old != null) {
      forget(old);
    }
    remember(e);
  }

  /** Removes just {@code path} (not its descendants); returns the removed entry or null. */
  public Entry remove(String path) {
    Entry old = byPath.remove(path);
    if (old != null) {
      forget(old);
    }
    return old;
  }

  /** Removes {@code path} and everything under it ("" = everything); returns them sorted by path. */
  public List<Entry> removeSubtree(String path) {
    List<Entry> removed = subtree(path);
    if (path.isEmpty()) {
      byPath.clear();
    } else {
      byPath.remove(path);
      descendants(path).clear();
    }
    for (Entry e : removed) {
      forget(e);
    }
    return removed;
  }

  /**
   * Re-keys {@code from} and all its descendants under {@code to}, as rename(2) does: whatever the
   * index held at {@code to} (and under it) is replaced. Entries keep every other field (inode
   * included). Moving a path onto itself does nothing; moving a path into its own subtree or onto
   * one of its ancestors is impossible on disk and is refused.
   *
   * @throws IllegalArgumentException when one path lies under the other
   */
  public void moveSubtree(String from, String to) {
    if (from.equals(to)) {
      return;
    }
    if (from.isEmpty() || RelPath.isSameOrUnder(to, from) || RelPath.isSameOrUnder(from, to)) {
      throw new IllegalArgumentException("cannot move '" + from + "' to '" + to + "': one lies under the other");
    }
    RelPath.validate(to);
    List<Entry> moved = removeSubtree(from);
    if (moved.isEmpty()) {
      return;
    }
    removeSubtree(to);
    for (Entry e : moved) {
      put(e.withPath(to + e.path().substring(from.length())));
    }
  }

  /** {@code path} (if present) and its descendants, sorted by path; "" gives the whole tree. */
  public List<Entry> subtree(String path) {
    if (path.isEmpty()) {
      return new ArrayList<>(byPath.values());
    }
    NavigableMap<String, Entry> under = descendants(path);
    Entry self = byPath.get(path);
    List<Entry> out = new ArrayList<>(under.size() + 1);
    if (self != null) {
      out.add(self);
    }
    out.addAll(under.values());
    return out;
  }

  /** Paths whose entry has this inode, sorted; empty for inode 0 (unknown). */
  public List<String> pathsWithInode(long inode) {
    return inodes.get(inode);
  }

  public int size() {
    return byPath.size();
  }

  /** Number of {@link EntryType#FILE} entries. */
  public long fileCount() {
    return fileCount;
  }

  /** Sum of the sizes of the files. */
  public long totalBytes() {
    return totalBytes;
  }

  /** Read-only live view sorted by path; do not change the index while iterating it. */
  public Collection<Entry> entries() {
    return Collections.unmodifiableCollection(byPath.values());
  }

  /** An independent copy (entries are immutable and shared). O(n). */
  public Index copy() {
    return new Index(this);
  }

  /** The digest of an empty tree (a peer's HELLO_REPLY with it has nothing in its docroot). */
  public static final long EMPTY_DIGEST = 0;

  /** The tree digest: sum of {@link #entryDigest} over all entries, mod 2^64; {@link #EMPTY_DIGEST} when empty. */
  public long digest() {
    return digest;
  }

  /**
   * XXH3-64 of what replication makes equal on every node, little-endian: path (int length +
   * UTF-8), type code (byte), size, content hash, mode (int), link target (int length + UTF-8),
   * mtime (long: nanoseconds for files, microseconds for symlinks since slaves set them with
   * lutimes, 0 for directories whose mtime moves whenever a child changes), uid, gid (int). Never
   * inode, nlink or ctime, which are local to a node.
   */
  public static long entryDigest(Entry e) {
    byte[] path = e.path().getBytes(StandardCharsets.UTF_8);
    byte[] link = e.linkTarget().getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(4 + path.length + 1 + 8 + 8 + 4 + 4 + link.length + 8 + 4 + 4)
        .order(ByteOrder.LITTLE_ENDIAN);
    long mtime = switch (e.type()) {
      case FILE -> e.mtimeNanos();
      case SYMLINK -> e.mtimeNanos() / 1000;
      case DIR -> 0;
    };
    b.putInt(path.length).put(path)
        .put(e.type().code())
        .putLong(e.size())
        .putLong(e.hash())
        .putInt(e.mode())
        .putInt(link.length).put(link)
        .putLong(mtime)
        .putInt(e.uid())
        .putInt(e.gid());
    return XX3.hashBytes(b.array());
  }

  /**
   * Writes the index to {@code file} atomically and durably (temp file in the same directory,
   * fsync, rename, fsync of the directory). Format in {@link IndexFile}.
   */
  public void save(Path file) throws IOException {
    IndexFile.save(this, file);
  }

  /**
   * Reads an index written by {@link #save}.
   *
   * @throws java.nio.file.NoSuchFileException when the file does not exist (the caller decides
   *     whether that means a first start)
   * @throws CorruptIndexException when it is truncated, corrupt or of another format version: the
   *     caller should rescan from scratch
   * @throws IOException when the disk fails (message names the file)
   */
  public static Index load(Path file) throws IOException {
    return IndexFile.load(file);
  }

  private NavigableMap<String, Entry> descendants(String path) {
    return byPath.subMap(path + "/", true, path + "0", false);
  }

  private void remember(Entry e) {
    inodes.add(e.inode(), e.path());
    if (e.type() == EntryType.FILE) {
      fileCount++;
      totalBytes += e.size();
    }
    digest += entryDigest(e);
  }

  private void forget(Entry e) {
    inodes.remove(e.inode(), e.path());
    if (e.type() == EntryType.FILE) {
      fileCount--;
      totalBytes -= e.size();
    }
    digest -= entryDigest(e);
  }

  /** For {@link IndexFile}: entries in order, read-only. */
  Map<String, Entry> map() {
    return Collections.unmodifiableMap(byPath);
  }
}
