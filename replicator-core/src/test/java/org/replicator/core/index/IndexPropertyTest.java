package org.replicator.core.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.replicator.core.path.RelPath;

/**
 * Random operation sequences against a plain reference model (a TreeMap, recomputed from
 * scratch): contents, order, counters, inode groups and the incremental digest must all agree.
 * Seeded loops (STYLE.md: jqwik or seeded loops): a failure prints its seed; run
 * it again with {@code -Dindex.seed=<seed>}.
 */
class IndexPropertyTest {
  private static final String[] NAMES = {"a", "b", "a b", "a!", "a0", "é", "x.php"};
  private static final int RUNS = 300;

  sealed interface Op permits Put, Remove, RemoveSubtree, Move {}

  record Put(Entry entry) implements Op {}

  record Remove(String path) implements Op {}

  record RemoveSubtree(String path) implements Op {}

  record Move(String from, String to) implements Op {}

  /** Few names, some sorting next to '/', so that collisions and prefix cases are frequent. */
  private static String path(Random r) {
    int depth = 1 + r.nextInt(3);
    StringBuilder b = new StringBuilder(NAMES[r.nextInt(NAMES.length)]);
    for (int i = 1; i < depth; i++) {
      b.append('/').append(NAMES[r.nextInt(NAMES.length)]);
    }
    return b.toString();
  }

  private static Entry entry(Random r) {
    EntryType t = EntryType.values()[r.nextInt(3)];
    long size = r.nextInt(6);
    long hash = r.nextInt(7);
    long inode = r.nextInt(4);
    return new Entry(path(r), t, t == EntryType.FILE ? size : 0, 1_000L * hash, 0644, -1, -1,
        t == EntryType.FILE ? hash : 0, t == EntryType.SYMLINK ? "t" + hash : "", inode, 1, 7);
  }

  private static List<Op> ops(Random r) {
    List<Op> ops = new ArrayList<>();
    int n = r.nextInt(61);
    for (int i = 0; i < n; i++) {
      int k = r.nextInt(10);
      ops.add(k < 6 ? new Put(entry(r)) : k == 6 ? new Remove(path(r)) : k == 7 ? new RemoveSubtree(path(r))
          : new Move(path(r), path(r)));
    }
    return ops;
  }

  @Test
  void incrementalStateEqualsStateRecomputedFromScratch() {
    String fixed = System.getProperty("index.seed");
    long base = fixed != null ? Long.parseLong(fixed) : new Random().nextLong();
    for (int run = 0; run < (fixed != null ? 1 : RUNS); run++) {
      long seed = base + run;
      try {
        check(ops(new Random(seed)));
      } catch (AssertionError e) {
        throw new AssertionError("failed with seed " + seed + " (rerun with -Dindex.seed=" + seed + ")", e);
      }
    }
  }

  private static void check(List<Op> ops) {
    Index index = new Index();
    TreeMap<String, Entry> model = new TreeMap<>();
    for (Op op : ops) {
      if (op instanceof Put p) {
        index.put(p.entry());
        model.put(p.entry().path(), p.entry());
      } else if (op instanceof Remove r) {
        index.remove(r.path());
        model.remove(r.path());
      } else if (op instanceof RemoveSubtree r) {
        index.removeSubtree(r.path());
        model.keySet().removeIf(k -> RelPath.isSameOrUnder(k, r.path()));
      } else if (op instanceof Move m) {
        if (!m.from().equals(m.to())
            && (RelPath.isSameOrUnder(m.to(), m.from()) || RelPath.isSameOrUnder(m.from(), m.to()))) {
          continue;
        }
        index.moveSubtree(m.from(), m.to());
        if (!m.from().equals(m.to())) {
          List<Entry> moved = new ArrayList<>();
          model.values().removeIf(e -> RelPath.isSameOrUnder(e.path(), m.from()) && moved.add(e));
          if (!moved.isEmpty()) {
            model.keySet().removeIf(k -> RelPath.isSameOrUnder(k, m.to()));
            for (Entry e : moved) {
              Entry n = e.withPath(m.to() + e.path().substring(m.from().length()));
              model.put(n.path(), n);
            }
          }
        }
      }
      assertMatches(index, model);
    }
    assertMatches(index.copy(), model);
  }

  private static void assertMatches(Index index, TreeMap<String, Entry> model) {
    assertThat(index.entries()).containsExactlyElementsOf(model.values());
    long digest = 0;
    long files = 0;
    long bytes = 0;
    Map<Long, List<String>> inodes = new HashMap<>();
    for (Entry e : model.values()) {
      digest += Index.entryDigest(e);
      if (e.type() == EntryType.FILE) {
        files++;
        bytes += e.size();
      }
      if (e.inode() != 0) {
        inodes.computeIfAbsent(e.inode(), k -> new ArrayList<>()).add(e.path());
      }
    }
    assertThat(index.digest()).isEqualTo(digest);
    assertThat(index.fileCount()).isEqualTo(files);
    assertThat(index.totalBytes()).isEqualTo(bytes);
    for (long inode = 0; inode <= 3; inode++) {
      List<String> expected = inodes.getOrDefault(inode, List.of()).stream().sorted().toList();
      assertThat(index.pathsWithInode(inode)).as("inode " + inode).isEqualTo(expected);
    }
    for (String p : List.of("a", "a/b", "b", "a b")) {
      List<Entry> expected = model.values().stream().filter(e -> RelPath.isSameOrUnder(e.path(), p)).toList();
      assertThat(index.subtree(p)).isEqualTo(expected);
    }
  }
}
