package org.replicator.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.batch.Batch;
import org.replicator.core.batch.Coalescer;
import org.replicator.core.batch.CoalescerListener;
import org.replicator.core.batch.CoalescerSettings;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.index.Entry;
import org.replicator.core.index.Index;
import org.replicator.core.path.RelPath;
import org.replicator.core.scan.ScanListener;
import org.replicator.core.scan.Scanner;
import org.replicator.core.testing.Seeds;
import org.replicator.core.testing.TreeBuilder;
import org.replicator.core.testing.TreeSnapshot;
import org.replicator.core.testing.UnixJimfs;
import org.replicator.core.watch.ChangeEvent;
import org.replicator.core.watch.ChangeEvent.Kind;

/**
 * The planner's promise end to end: random changes on a master docroot, reported as a watcher
 * would (events only, sometimes late, sometimes an overflow rescan), coalesced, planned and applied
 * with core's {@link org.replicator.core.apply.Applier} leave the slave equal to the master
 * (excluded paths aside), and the index equal to a fresh scan. Seeded: the seed is printed and
 * {@code -Dtest.seed=N} replays it.
 */
class PlannerRoundTripPropertyTest {
  private static final String[] NAMES = {"a", "b", "c.php", "d", "x.swp"};
  private static final String[] TARGETS = {"../x", "/etc/passwd", "a/b", "c.php", "../../up", "d"};
  private static final ExcludeMatcher FILTER = new ExcludeMatcher(List.of("/cache/", "*.swp"));

  @Test
  void randomChangesOnJimfsReplicateExactly() throws Exception {
    Random random = Seeds.random("randomChangesOnJimfsReplicateExactly");
    for (int round = 0, n = Seeds.tries(40); round < n; round++) {
      try (FileSystem fs = UnixJimfs.newFileSystem()) {
        new World(fs.getPath("/master"), fs.getPath("/slave"), random).run(60);
      }
    }
  }

  @Test
  void randomChangesOnDiskReplicateExactly(@TempDir Path tmp) throws Exception {
    Random random = Seeds.random("randomChangesOnDiskReplicateExactly");
    for (int round = 0, n = Seeds.tries(15); round < n; round++) {
      new World(tmp.resolve("master" + round), tmp.resolve("slave" + round), random).run(60);
    }
  }

  /**
   * The same with every rescan planned in parts of 1 to 4 ops (PlanParts), each part applied as a
   * batch of its own as soon as it is handed over: besides converging, at every cut the index
   * equals a scan of the slave, which is what a catch-up snapshot taken between two parts relies on
   * (and what every later batch is planned against). Without the cut's directory times and
   * relinks, or with an index ahead of the parts handed, the slave differs from the index at a cut.
   */
  @Test
  void randomChangesReplicateExactlyWhenRescansArePlannedInParts(@TempDir Path tmp) throws Exception {
    // On a real disk: Jimfs leaves a directory's mtime alone when an entry is added to it, so the
    // directory times a cut must set back would not show there.
    Random random = Seeds.random("randomChangesReplicateExactlyWhenRescansArePlannedInParts");
    int cuts = 0;
    for (int round = 0, n = Seeds.tries(15); round < n; round++) {
      World world = new World(tmp.resolve("master" + round), tmp.resolve("slave" + round), random);
      world.partOps = 1 + random.nextInt(4);
      world.run(60);
      cuts += world.cuts;
    }
    assertThat(cuts).as("parts were cut").isPositive();
  }

  /** One master, one slave, the pipeline between them, and a log of what happened for failures. */
  private static final class World {
    final Path master;
    final Path slave;
    final Random random;
    final FakeTicker ticker = new FakeTicker();
    final Coalescer coalescer;
    final Index index = new Index();
    final Scanner scanner;
    final Planner planner;
    final List<String> log = new ArrayList<>();
    /** Above 0: rescans are planned in parts of this many ops, each applied at once. */
    int partOps;
    int cuts;

    World(Path master, Path slave, Random random) {
      this.master = master;
      this.slave = slave;
      this.random = random;
      TreeBuilder.at(master);
      TreeBuilder.at(slave);
      this.coalescer = new Coalescer(new CoalescerSettings(2_000_000L, 50_000_000L, 1000, 200_000), FILTER, ticker, CoalescerListener.NONE);
      this.scanner = new Scanner(master, FILTER, false, ScanListener.NONE);
      int inlineMax = random.nextBoolean() ? 64 : 1 << 20;
      this.planner = new Planner(master, index, scanner, FILTER, new PlannerSettings(inlineMax, 4096, 2_000_000L, 20_000_000L, true), PlanListener.NONE, ticker);
    }

    void run(int steps) throws Exception {
      try (Replica replica = new Replica(master, slave)) {
        for (int i = 0; i < 4; i++) {
          mutate(); // an initial tree, before the index knows anything
        }
        coalescer.onRescan("", "start", "first scan");
        for (int step = 0; step < steps; step++) {
          if (random.nextInt(3) == 0) {
            planOnce(replica, new long[] {3, 10, 30, 1000}[random.nextInt(4)]);
          } else {
            mutate();
          }
        }
        // The product's periodic reconcile: content written through a hard-link name that is gone
        // again before its batch is planned (ln a b; write b; rm b) reaches the other names only
        // through a rescan, since no event names them (docs/operations.md, known limits).
        coalescer.onRescan("", "reconcile", "as the periodic reconcile does");
        for (int i = 0; i < 100 && planOnce(replica, 1000); i++) {
          // drain: every pending hint and deferred path gets planned
        }
        assertConverged();
      } catch (AssertionError | Exception e) {
        throw new AssertionError(e.getMessage() + "\nhistory:\n  " + String.join("\n  ", log), e);
      }
    }

    boolean planOnce(Replica replica, long advanceMillis) throws Exception {
      ticker.advanceMillis(advanceMillis);
      Batch batch = coalescer.poll();
      if (batch == null) {
        return false;
      }
      PlanResult result = partOps <= 0 ? planner.plan(batch) : planner.plan(batch, new PlanParts() {
        @Override
        public int opsPerPart() {
          return partOps;
        }

        @Override
        public long bytesPerPart() {
          return Long.MAX_VALUE;
        }

        @Override
        public boolean mayCut(String last, String next) {
          return true;
        }

        @Override
        public void part(PlanResult part) {
          cuts++;
          log.add("part -> " + part.ops().stream().map(o -> o.op().toString()).toList());
          try {
            replica.apply(part.ops());
            List<String> indexed = index.entries().stream().filter(e -> !e.path().isEmpty()).map(World::describeOnSlave).toList();
            List<String> onSlave = new Scanner(slave, FILTER, false, ScanListener.NONE).scan("", null).entries().stream()
                .filter(e -> !e.path().isEmpty()).map(World::describeOnSlave).toList();
            assertThat(onSlave).as("the slave after the parts so far equals the index at the cut").isEqualTo(indexed);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }
      });
      log.add("batch " + batch.paths().keySet() + " rescans " + batch.rescans().keySet().stream().map(r -> "'" + r + "'").toList() + " -> " + result.ops().stream().map(o -> o.op().toString()).toList()
          + " deferred " + result.deferred().keySet());
      result.deferred().forEach(coalescer::requeue);
      replica.apply(result.ops());
      return true;
    }

    void assertConverged() throws IOException {
      TreeSnapshot want = TreeSnapshot.of(master, rel -> rel.equals(".replicator") || FILTER.excludedOrUnder(rel, Files.isDirectory(master.resolve(rel), LinkOption.NOFOLLOW_LINKS)));
      want.assertSameAs(TreeSnapshot.of(slave), TreeSnapshot.Compare.STRICT);
      List<String> indexed = index.entries().stream().map(World::describe).toList();
      List<String> scanned = scanner.scan("", null).entries().stream().map(World::describe).toList();
      assertThat(indexed).as("index after planning equals a fresh scan").isEqualTo(scanned);
    }

    /** As {@link #describe}, without a symlink's mtime: Java sets it on the slave to the microsecond only. */
    static String describeOnSlave(Entry e) {
      return e.type() == org.replicator.core.index.EntryType.SYMLINK ? e.path() + " SYMLINK target=" + e.linkTarget() : describe(e);
    }

    static String describe(Entry e) {
      return e.path() + " " + e.type() + " size=" + e.size() + " hash=" + e.hash() + " mode=" + Integer.toOctalString(e.mode())
          + " target=" + e.linkTarget() + " mtime=" + e.mtimeNanos();
    }

    // ---- mutations: each changes the master and reports what inotify would ----

    void mutate() throws IOException {
      switch (random.nextInt(12)) {
        case 0, 1 -> writeFile(pickParent(), NAMES[random.nextInt(NAMES.length)]);
        case 2 -> rewrite();
        case 3 -> deleteOne();
        case 4 -> rename();
        case 5 -> removeTree();
        case 6 -> mkdir();
        case 7 -> chmod();
        case 8 -> symlink();
        case 9 -> hardlink();
        case 10 -> typeChange();
        default -> {
          String dir = random.nextInt(3) == 0 ? "" : pickParent();
          log.add("rescan '" + dir + "'");
          coalescer.onRescan(dir, "overflow", "test");
        }
      }
    }

    void writeFile(String parent, String name) throws IOException {
      String rel = RelPath.join(parent, name);
      Path p = master.resolve(rel);
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      boolean existed = Files.exists(p, LinkOption.NOFOLLOW_LINKS);
      if (sharedWithExcluded(rel)) {
        return;
      }
      Files.write(p, content(-1));
      log.add("write " + rel);
      event(existed ? Kind.MODIFY : Kind.CREATE, rel);
    }

    /** Rewrites a file in place; half the time with the same size and the old mtime (rsync's quick-check trap). */
    void rewrite() throws IOException {
      String rel = pick(files());
      if (rel == null || sharedWithExcluded(rel)) {
        return;
      }
      Path p = master.resolve(rel);
      long size = Files.size(p);
      FileTime mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS);
      boolean sneaky = random.nextBoolean();
      Files.write(p, content(sneaky ? (int) size : -1));
      if (sneaky) {
        Files.setLastModifiedTime(p, mtime);
      }
      log.add((sneaky ? "rewrite same size+mtime " : "rewrite ") + rel);
      event(Kind.MODIFY, rel);
    }

    void deleteOne() throws IOException {
      List<String> all = files();
      all.addAll(symlinks());
      String rel = pick(all);
      if (rel != null) {
        Files.delete(master.resolve(rel));
        log.add("delete " + rel);
        event(Kind.DELETE, rel);
      }
    }

    void rename() throws IOException {
      List<String> all = files();
      all.addAll(symlinks());
      all.addAll(dirs());
      String from = pick(all);
      if (from == null) {
        return;
      }
      String parent = pickParent();
      String to = RelPath.join(parent, NAMES[random.nextInt(NAMES.length)]);
      Path src = master.resolve(from);
      Path dst = master.resolve(to);
      boolean dir = Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS);
      if (RelPath.isSameOrUnder(to, from) || RelPath.isSameOrUnder(from, to)
          || Files.exists(dst, LinkOption.NOFOLLOW_LINKS) && (dir || Files.isDirectory(dst, LinkOption.NOFOLLOW_LINKS))) {
        return;
      }
      List<String> before = dir ? under(from) : List.of();
      Files.move(src, dst, StandardCopyOption.ATOMIC_MOVE);
      log.add("move " + from + " -> " + to);
      event(Kind.DELETE, from);
      event(Kind.CREATE, to);
      if (dir && random.nextBoolean()) {
        before.forEach(old -> event(Kind.DELETE, old));
      }
      if (dir && random.nextBoolean()) {
        under(to).forEach(now -> event(Kind.CREATE, now)); // directory-watcher walks a new directory
      }
    }

    void removeTree() throws IOException {
      String rel = pick(dirs());
      if (rel == null) {
        return;
      }
      List<String> children = under(rel);
      deleteTree(master.resolve(rel));
      log.add("rm -r " + rel);
      if (random.nextBoolean()) {
        children.forEach(c -> event(Kind.DELETE, c));
      }
      event(Kind.DELETE, rel);
    }

    void mkdir() throws IOException {
      String rel = RelPath.join(pickParent(), NAMES[random.nextInt(NAMES.length)]);
      if (RelPath.depth(rel) > 4 || Files.exists(master.resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      Files.createDirectory(master.resolve(rel));
      log.add("mkdir " + rel);
      event(Kind.CREATE, rel);
    }

    void chmod() throws IOException {
      List<String> all = files();
      all.addAll(dirs());
      String rel = pick(all);
      if (rel == null || sharedWithExcluded(rel)) {
        return;
      }
      boolean dir = Files.isDirectory(master.resolve(rel), LinkOption.NOFOLLOW_LINKS);
      int mode = dir ? new int[] {0755, 0700, 0750}[random.nextInt(3)] : new int[] {0644, 0600, 0755, 0640}[random.nextInt(4)];
      TreeBuilder.at(master).mode(rel, mode);
      if (random.nextBoolean()) {
        TreeBuilder.at(master).mtime(rel, 1_600_000_000_000_000_000L + random.nextInt(1000) * 1_000_000_007L);
      }
      log.add("chmod " + Integer.toOctalString(mode) + " " + rel);
      event(Kind.MODIFY, rel);
    }

    void symlink() throws IOException {
      String rel = RelPath.join(pickParent(), NAMES[random.nextInt(NAMES.length)]);
      Path p = master.resolve(rel);
      if (Files.isSymbolicLink(p)) {
        Files.delete(p);
        event(Kind.DELETE, rel);
      } else if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      String target = TARGETS[random.nextInt(TARGETS.length)];
      TreeBuilder.at(master).symlink(rel, target);
      log.add("ln -s " + target + " " + rel);
      event(Kind.CREATE, rel);
    }

    void hardlink() throws IOException {
      String existing = pick(files());
      String rel = RelPath.join(pickParent(), NAMES[random.nextInt(NAMES.length)]);
      if (existing == null || Files.exists(master.resolve(rel), LinkOption.NOFOLLOW_LINKS)
          || FILTER.excludedOrUnder(existing, false) || FILTER.excludedOrUnder(rel, false)) {
        return;
      }
      Files.createLink(master.resolve(rel), master.resolve(existing));
      log.add("ln " + existing + " " + rel);
      event(Kind.CREATE, rel);
    }

    void typeChange() throws IOException {
      String rel = pick(files());
      if (rel == null) {
        return;
      }
      Files.delete(master.resolve(rel));
      Files.createDirectory(master.resolve(rel));
      log.add("file->dir " + rel);
      event(Kind.DELETE, rel);
      event(Kind.CREATE, rel);
      if (random.nextBoolean()) {
        writeFile(rel, "a");
      }
    }

    /**
     * A change made through an excluded name of an inode that also has a replicated name: inotify
     * reports only the excluded name, so no event ever names the replicated one (a known gap that
     * only the periodic reconcile closes). The generator stays out of it.
     */
    boolean sharedWithExcluded(String rel) throws IOException {
      Path p = master.resolve(rel);
      return FILTER.excludedOrUnder(rel, false) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
          && ((Number) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS)).intValue() > 1;
    }

    void event(Kind kind, String rel) {
      ticker.advanceNanos(1000 + random.nextInt(1000));
      coalescer.onEvent(new ChangeEvent(kind, rel));
    }

    byte[] content(int size) {
      if (size < 0) {
        size = switch (random.nextInt(5)) {
          case 0 -> 0;
          case 1 -> 9000; // two zero pages in the middle: a hole on the slave
          default -> random.nextInt(200);
        };
      }
      byte[] b = new byte[size];
      random.nextBytes(b);
      if (size >= 9000) {
        java.util.Arrays.fill(b, 100, 8292, (byte) 0);
      }
      return b;
    }

    // ---- looking at the master tree ----

    String pickParent() throws IOException {
      List<String> d = dirs();
      d.add("");
      if (random.nextInt(8) == 0) {
        Files.createDirectories(master.resolve("cache"));
        d.add("cache");
      }
      return pick(d);
    }

    String pick(List<String> from) {
      return from.isEmpty() ? null : from.get(random.nextInt(from.size()));
    }

    List<String> files() throws IOException {
      return list(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS));
    }

    List<String> symlinks() throws IOException {
      return list(Files::isSymbolicLink);
    }

    List<String> dirs() throws IOException {
      return list(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && RelPath.depth(master.relativize(p).toString()) < 4);
    }

    List<String> under(String dir) throws IOException {
      List<String> out = new ArrayList<>();
      for (String rel : list(p -> true)) {
        if (RelPath.isSameOrUnder(rel, dir) && !rel.equals(dir)) {
          out.add(rel);
        }
      }
      return out;
    }

    List<String> list(java.util.function.Predicate<Path> keep) throws IOException {
      try (Stream<Path> walk = Files.walk(master)) {
        List<String> out = new ArrayList<>();
        walk.filter(p -> !p.equals(master) && keep.test(p)).map(p -> master.relativize(p).toString())
            .filter(rel -> !RelPath.isSameOrUnder(rel, ".replicator"))
            .sorted().forEach(out::add);
        return out;
      }
    }

    static void deleteTree(Path dir) throws IOException {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
