package org.replicator.core.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.replicator.core.ignore.ExcludeMatcher;
import org.replicator.core.path.RelPath;
import org.replicator.core.testing.Seeds;
import org.replicator.core.watch.ChangeEvent;
import org.replicator.core.watch.ChangeEvent.Kind;

class CoalescerTest {
  private static final long MS = 1_000_000L;
  private static final ExcludeMatcher FILTER = new ExcludeMatcher(List.of("/wp-content/cache/"));

  private long now = 1_000_000_000L;
  private final List<String> rescansReported = new ArrayList<>();
  private final CoalescerListener listener = new CoalescerListener() {
    @Override
    public void rescanRequested(String subtree, String cause, String detail) {
      rescansReported.add("'" + subtree + "' " + cause);
    }
  };

  private Coalescer coalescer(int maxEvents, int maxPending) {
    return new Coalescer(new CoalescerSettings(2 * MS, 50 * MS, maxEvents, maxPending), FILTER, () -> now, listener);
  }

  private Coalescer coalescer() {
    return coalescer(1000, 200_000);
  }

  private static void event(Coalescer c, Kind kind, String path) {
    c.onEvent(new ChangeEvent(kind, path));
  }

  @Test
  void batchClosesAfterTheQuietGap() {
    Coalescer c = coalescer();
    event(c, Kind.MODIFY, "a.php");
    now += 2 * MS - 1;
    assertThat(c.poll()).isNull();
    now += 1;
    Batch b = c.poll();
    assertThat(b.paths()).containsOnlyKeys("a.php");
    assertThat(b.events()).isEqualTo(1);
    assertThat(c.poll()).isNull();
  }

  @Test
  void aChangeStaysUnplannedFromItsEventUntilThePlannerHandedItsBatchOn() {
    Coalescer c = coalescer();
    assertThat(c.unplannedSinceNanos()).isEqualTo(Coalescer.NONE);
    long first = now;
    event(c, Kind.MODIFY, "a.php");
    now += MS;
    event(c, Kind.MODIFY, "b.php");
    assertThat(c.unplannedSinceNanos()).isEqualTo(first);
    now += 2 * MS;
    assertThat(c.poll()).isNotNull();
    // Drained, but the planner has not planned it yet: a rescan of a big tree takes seconds.
    assertThat(c.unplannedSinceNanos()).isEqualTo(first);
    long later = now;
    event(c, Kind.CREATE, "c.php");
    assertThat(c.unplannedSinceNanos()).as("the older batch still counts").isEqualTo(first);
    c.planned();
    assertThat(c.unplannedSinceNanos()).isEqualTo(later);
    now += 2 * MS;
    c.poll();
    c.planned();
    assertThat(c.unplannedSinceNanos()).isEqualTo(Coalescer.NONE);
  }

  @Test
  void aDeferredPathKeepsItsBatchAgeAndALostEventRescanCountsButTheReconcileDoesNot() {
    Coalescer c = coalescer();
    long first = now;
    event(c, Kind.CREATE, "upload.zip");
    now += 2 * MS;
    Batch b = c.poll();
    now += 10 * MS;
    c.requeue("upload.zip", b.paths().get("upload.zip")); // still being written
    c.planned();
    assertThat(c.unplannedSinceNanos()).isEqualTo(first);
    now += 2 * MS;
    c.poll();
    c.planned();

    c.onRescan("", Coalescer.RECONCILE, "periodic reconcile");
    assertThat(c.unplannedSinceNanos()).as("a reconcile is not a known change").isEqualTo(Coalescer.NONE);
    c.poll();
    c.planned();
    long overflow = now;
    c.onRescan("wp-content", "overflow", "OVERFLOW event");
    assertThat(c.unplannedSinceNanos()).isEqualTo(overflow);
    c.poll();
    now += 5_000 * MS; // the rescan is being planned
    assertThat(c.unplannedSinceNanos()).isEqualTo(overflow);
    c.planned();
    assertThat(c.unplannedSinceNanos()).isEqualTo(Coalescer.NONE);
  }

  @Test
  void batchClosesAtTheWindowUnderASteadyStream() {
    Coalescer c = coalescer();
    long first = now;
    for (int i = 0; now - first < 50 * MS; i++) {
      event(c, Kind.MODIFY, "f" + i);
      assertThat(c.poll()).as("open at +%d ms", (now - first) / MS).isNull();
      now += MS; // never quiet for 2 ms
    }
    assertThat(now - first).isEqualTo(50 * MS);
    assertThat(c.poll().paths()).hasSize(50);
  }

  @Test
  void batchClosesAtMaxEventsWithoutWaiting() {
    Coalescer c = coalescer(3, 200_000);
    event(c, Kind.MODIFY, "a");
    event(c, Kind.MODIFY, "a");
    assertThat(c.poll()).isNull();
    event(c, Kind.MODIFY, "b");
    Batch b = c.poll();
    assertThat(b.events()).isEqualTo(3);
    assertThat(b.paths()).containsOnlyKeys("a", "b");
  }

  @Test
  void eventsForOnePathCollapseKeepingTheLatestTime() {
    Coalescer c = coalescer();
    event(c, Kind.CREATE, "a");
    now += MS;
    event(c, Kind.MODIFY, "a");
    long last = now;
    event(c, Kind.DELETE, "a");
    now += 10 * MS;
    Batch b = c.poll();
    assertThat(b.paths()).containsOnlyKeys("a");
    // Open since its CREATE: no close came (the DELETE says nothing about writers).
    assertThat(b.paths().get("a")).isEqualTo(new PathHint(true, last, PathHint.Write.WRITING, last, last - MS, true));
    assertThat(b.events()).isEqualTo(3);
  }

  @Test
  void modifySetsMustReadAndDeleteDoesNot() {
    Coalescer c = coalescer();
    event(c, Kind.MODIFY, "m");
    event(c, Kind.DELETE, "d");
    now += 10 * MS;
    Batch b = c.poll();
    assertThat(b.paths().get("m").mustRead()).isTrue();
    assertThat(b.paths().get("d").mustRead()).isFalse();
  }

  @Test
  void createAndDeleteAlsoHintTheParentButNeverTheRoot() {
    Coalescer c = coalescer();
    event(c, Kind.CREATE, "wp-content/uploads/a.jpg");
    event(c, Kind.DELETE, "top.php");
    event(c, Kind.MODIFY, "wp-content/themes/x.css");
    now += 10 * MS;
    Batch b = c.poll();
    assertThat(b.paths()).containsOnlyKeys("wp-content/uploads/a.jpg", "wp-content/uploads", "top.php", "wp-content/themes/x.css");
    assertThat(b.paths().get("wp-content/uploads").mustRead()).isFalse();
  }

  @Test
  void pathsUnderExcludedDirectoriesAndUnderReplicatorAreDropped() {
    Coalescer c = coalescer();
    event(c, Kind.CREATE, "wp-content/cache/page/index.html");
    event(c, Kind.MODIFY, ".replicator/tmp/put-1");
    event(c, Kind.CREATE, ".replicator");
    event(c, Kind.MODIFY, "");
    now += 10 * MS;
    assertThat(c.poll()).isNull();
    assertThat(c.pendingPaths()).isZero();
  }

  @Test
  void anAncestorRescanCoversItsDescendants() {
    Coalescer c = coalescer();
    c.onRescan("wp-content/uploads/2024", "overflow", "");
    c.onRescan("wp-content/uploads", "overflow", "");
    c.onRescan("wp-content/uploads/2025", "overflow", "");
    c.onRescan("wp-includes", "watch-error", "");
    Batch b = c.poll();
    assertThat(b.rescans()).containsExactly(
        java.util.Map.entry("wp-content/uploads", "overflow"), java.util.Map.entry("wp-includes", "watch-error"));
    assertThat(rescansReported).hasSize(4);
  }

  @Test
  void aRescanOfTheRootCoversEverything() {
    Coalescer c = coalescer();
    c.onRescan("a", "overflow", "");
    c.onRescan("", "reconcile", "");
    c.onRescan("b/c", "overflow", "");
    assertThat(c.poll().rescans()).containsOnlyKeys("");
  }

  @Test
  void pendingLimitCollapsesIntoOneRescanOfTheRoot() {
    Coalescer c = coalescer(1000, 3);
    event(c, Kind.MODIFY, "a");
    event(c, Kind.MODIFY, "b");
    event(c, Kind.MODIFY, "c");
    c.onRescan("x", "overflow", "");
    assertThat(c.pendingPaths()).isEqualTo(3);
    event(c, Kind.MODIFY, "d");
    assertThat(c.pendingPaths()).isZero();
    assertThat(rescansReported).containsExactly("'x' overflow", "'' pending-limit");
    Batch b = c.poll(); // nothing left to wait for: ready at once
    assertThat(b.paths()).isEmpty();
    assertThat(b.rescans()).containsExactly(java.util.Map.entry("", "pending-limit"));
  }

  @Test
  void barriersAloneMakeABatchReadyAtOnce() {
    Coalescer c = coalescer();
    Object token = new Object();
    c.addBarrier(token);
    Batch b = c.poll();
    assertThat(b.barriers()).containsExactly(token);
    assertThat(b.paths()).isEmpty();
  }

  @Test
  void aBarrierWaitsForThePathsBeforeIt() {
    Coalescer c = coalescer();
    event(c, Kind.MODIFY, "a");
    c.addBarrier("t");
    assertThat(c.poll()).isNull();
    now += 2 * MS;
    Batch b = c.poll();
    assertThat(b.paths()).containsOnlyKeys("a");
    assertThat(b.barriers()).containsExactly("t");
  }

  @Test
  void requeueKeepsTheHintsTimeAndComesBackAfterOneQuietGap() {
    Coalescer c = coalescer();
    PathHint deferred = new PathHint(true, now - 5 * MS);
    c.requeue("big.zip", deferred);
    assertThat(c.poll()).as("not at once: the planner would spin on a path that is still settling").isNull();
    now += 2 * MS;
    Batch b = c.poll();
    assertThat(b.paths()).containsEntry("big.zip", deferred);
    assertThat(b.events()).isZero();
  }

  @Test
  void requeueMergesWithANewerEvent() {
    Coalescer c = coalescer();
    event(c, Kind.DELETE, "a");
    c.requeue("a", new PathHint(true, now - 5 * MS));
    now += 2 * MS;
    long deleted = now - 2 * MS;
    assertThat(c.poll().paths()).containsEntry("a", new PathHint(true, deleted, PathHint.Write.UNKNOWN, deleted, Coalescer.NONE, true));
  }

  @Test
  void takeReturnsAReadyBatchAndNullAfterClose() throws InterruptedException {
    Coalescer c = coalescer();
    c.addBarrier("t");
    assertThat(c.take(1, TimeUnit.SECONDS).barriers()).containsExactly("t");
    event(c, Kind.MODIFY, "a");
    c.close();
    assertThat(c.take(1, TimeUnit.HOURS)).isNull();
  }

  @Test
  void takeGivesUpAfterItsTimeout() throws InterruptedException {
    Coalescer c = coalescer();
    assertThat(c.take(1, TimeUnit.MILLISECONDS)).isNull();
  }

  /**
   * Random events, rescans and barriers, polled at random times: every batch equals what a plain
   * model of the rules says was pending, and is delivered only when the rules say it is ready.
   */
  @Test
  void batchesMatchAPlainReferenceModel() {
    Random random = Seeds.random("batchesMatchAPlainReferenceModel");
    String[] paths = {"a", "a/b", "a/b/c", "d", "wp-content/cache/x", "wp-content/cache", ".replicator/tmp", "wp-content", "wp-content/up"};
    for (int round = 0, n = Seeds.tries(300); round < n; round++) {
      int maxEvents = 1 + random.nextInt(20);
      int maxPending = 1 + random.nextInt(12);
      Coalescer c = coalescer(maxEvents, maxPending);
      Model model = new Model(maxEvents, maxPending);
      rescansReported.clear();
      for (int step = 0; step < 200; step++) {
        int what = random.nextInt(10);
        if (what < 6) {
          Kind[] kinds = {Kind.CREATE, Kind.MODIFY, Kind.DELETE, Kind.CLOSE_WRITE, Kind.ATTRIB, Kind.FOUND}; // MOVED carries two names
          Kind kind = kinds[random.nextInt(kinds.length)];
          String path = paths[random.nextInt(paths.length)];
          c.onEvent(new ChangeEvent(kind, path));
          model.event(kind, path, now);
        } else if (what == 6) {
          String subtree = random.nextInt(4) == 0 ? "" : paths[random.nextInt(4)];
          c.onRescan(subtree, "overflow", "");
          model.rescan(subtree, now);
        } else if (what == 7) {
          Integer token = step;
          c.addBarrier(token);
          model.barrier(token, now);
        } else {
          now += random.nextInt(3) == 0 ? random.nextInt(60) * MS : random.nextInt(500_000);
          Batch got = c.poll();
          Batch want = model.poll(now);
          assertThat(got).as("round %d step %d", round, step).isEqualTo(want);
        }
      }
      assertThat(rescansReported).as("every collapse is reported").filteredOn(s -> s.endsWith("pending-limit")).hasSize(model.collapses);
    }
  }

  /** The coalescing rules written down plainly, from the class docs. */
  private static final class Model {
    final int maxEvents;
    final int maxPending;
    TreeMap<String, PathHint> paths = new TreeMap<>();
    TreeMap<String, String> rescans = new TreeMap<>();
    List<Object> barriers = new ArrayList<>();
    int events;
    long first;
    long last;
    int collapses;

    Model(int maxEvents, int maxPending) {
      this.maxEvents = maxEvents;
      this.maxPending = maxPending;
    }

    void event(Kind kind, String path, long at) {
      if (path.isEmpty() || RelPath.isSameOrUnder(path, ".replicator") || path.startsWith("wp-content/cache/")) {
        return;
      }
      count(at);
      if (kind == Kind.CLOSE_WRITE && paths.containsKey(path)) {
        events--; // the close of a pending file is not counted against the cap
      }
      PathHint.Write write = switch (kind) {
        case CREATE -> PathHint.Write.CREATED;
        case MODIFY -> PathHint.Write.WRITING;
        case CLOSE_WRITE, MOVED -> PathHint.Write.CLOSED;
        default -> PathHint.Write.UNKNOWN;
      };
      add(path, kind == Kind.CREATE || kind == Kind.MODIFY || kind == Kind.CLOSE_WRITE, at, write, kind == Kind.DELETE);
      if ((kind == Kind.CREATE || kind == Kind.DELETE) && path.contains("/")) {
        add(RelPath.parent(path), new PathHint(false, at));
      }
      if (paths.size() > maxPending) {
        paths.clear();
        rescans.clear();
        rescans.put("", "pending-limit");
        collapses++;
      }
    }

    void add(String path, PathHint hint) {
      add(path, hint.mustRead(), hint.lastEventNanos(), PathHint.Write.UNKNOWN, false);
    }

    /** Events come in time order: a later event that tells about writers replaces what was known. */
    void add(String path, boolean mustRead, long at, PathHint.Write write, boolean gone) {
      PathHint old = paths.get(path);
      PathHint.Write w = write;
      long wn = at;
      if (write == PathHint.Write.UNKNOWN && old != null) {
        w = old.write();
        wn = old.writeNanos();
      }
      long open = Coalescer.NONE;
      if (w.isOpen()) {
        open = old != null && old.write().isOpen() ? old.openSinceNanos() : at;
      }
      paths.put(path, new PathHint(mustRead || old != null && old.mustRead(), old == null ? at : Math.max(old.lastEventNanos(), at), w, wn, open,
          gone || old != null && old.gone()));
    }

    void rescan(String subtree, long at) {
      count(at);
      for (String s : rescans.keySet()) {
        if (s.isEmpty() || RelPath.isSameOrUnder(subtree, s)) {
          return;
        }
      }
      rescans.keySet().removeIf(s -> subtree.isEmpty() || RelPath.isSameOrUnder(s, subtree));
      rescans.put(subtree, "overflow");
    }

    void barrier(Object token, long at) {
      count(at);
      barriers.add(token);
    }

    void count(long at) {
      if (paths.isEmpty() && rescans.isEmpty() && barriers.isEmpty()) {
        first = at;
      }
      last = at;
      events++;
    }

    Batch poll(long at) {
      boolean empty = paths.isEmpty() && rescans.isEmpty() && barriers.isEmpty();
      boolean ready = !empty && (paths.isEmpty() || events >= maxEvents || at >= last + 2 * MS || at >= first + 50 * MS);
      if (!ready) {
        return null;
      }
      Batch b = new Batch(paths, rescans, barriers, events);
      paths = new TreeMap<>();
      rescans = new TreeMap<>();
      barriers = new ArrayList<>();
      events = 0;
      return b;
    }
  }
}
