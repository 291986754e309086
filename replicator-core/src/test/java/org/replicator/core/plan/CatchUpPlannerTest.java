package org.replicator.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;
import org.replicator.core.op.Op;

class CatchUpPlannerTest {
  private static Entry file(String path, long hash, long inode, int nlink) {
    return new Entry(path, EntryType.FILE, 10, 1000, 0644, -1, -1, hash, "", inode, nlink, 0);
  }

  private static Entry dir(String path) {
    return new Entry(path, EntryType.DIR, 0, 5, 0755, -1, -1, 0, "", 0, 1, 0);
  }

  private static Index index(Entry... entries) {
    Index i = new Index();
    for (Entry e : entries) {
      i.put(e);
    }
    return i;
  }

  private static List<String> describe(List<PlannedOp> ops) {
    return ops.stream().map(o -> o.op().getClass().getSimpleName() + " " + o.op().path()).toList();
  }

  @Test
  void identicalIndexesNeedNoOps() {
    Index master = index(dir("d"), file("d/a", 1, 7, 1));
    assertThat(CatchUpPlanner.diff(master.copy(), master, true, false)).isEmpty();
    assertThat(CatchUpPlanner.inSync(master.copy(), master, false)).isTrue();
  }

  @Test
  void missingExtraAndDifferentEntriesGiveMinimalOpsParentsFirstDeletesLast() {
    Index slave = index(dir("d"), file("d/same", 1, 50, 1), file("d/changed", 2, 51, 1), dir("old"), file("old/x", 3, 52, 1));
    Index master = index(dir("d"), file("d/same", 1, 7, 1), file("d/changed", 9, 8, 1), dir("n"), file("n/new", 4, 9, 1));

    List<PlannedOp> ops = CatchUpPlanner.diff(slave, master, true, false);

    assertThat(describe(ops)).containsExactly("PutFile d/changed", "Mkdir n", "PutFile n/new", "Delete old");
    assertThat(ops.get(0).content()).isEqualTo(new Content.OnDisk("d/changed", 10, 9));
  }

  @Test
  void deletesAreSuppressedWhenThePolicyForbidsThem() {
    Index slave = index(dir("old"), file("old/x", 3, 52, 1));
    assertThat(CatchUpPlanner.diff(slave, new Index(), false, false)).isEmpty();
  }

  @Test
  void typeChangeIsDeleteThenCreate() {
    Index slave = index(file("x", 1, 5, 1));
    Index master = index(dir("x"), file("x/y", 2, 6, 1));
    assertThat(describe(CatchUpPlanner.diff(slave, master, true, false))).containsExactly("Delete x", "Mkdir x", "PutFile x/y");
  }

  @Test
  void hardLinkGroupsAreRebuiltFromTheFirstName() {
    Index master = index(file("a", 1, 7, 3), file("b", 1, 7, 3), file("c", 1, 7, 3));

    List<PlannedOp> ops = CatchUpPlanner.diff(new Index(), master, true, false);

    assertThat(ops).extracting(PlannedOp::op).containsExactly(
        new Op.PutFile("a", 10, master.get("a").meta()), new Op.Hardlink("b", "a"), new Op.Hardlink("c", "a"));
  }

  @Test
  void aGroupTheSlaveAlreadyHoldsLinkedNeedsNothing() {
    Index master = index(file("a", 1, 7, 2), file("b", 1, 7, 2));
    Index slave = index(file("a", 1, 70, 2), file("b", 1, 70, 2));
    assertThat(CatchUpPlanner.diff(slave, master, true, false)).isEmpty();
  }

  @Test
  void aGroupWhoseFirstNameIsPutIsLinkedAgain() {
    Index master = index(file("a", 2, 7, 2), file("b", 2, 7, 2));
    Index slave = index(file("a", 1, 70, 2), file("b", 1, 70, 2));
    assertThat(describe(CatchUpPlanner.diff(slave, master, true, false))).containsExactly("PutFile a", "Hardlink b");
  }
}
