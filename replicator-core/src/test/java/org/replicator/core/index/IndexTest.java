package org.replicator.core.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.replicator.core.index.Entries.dir;
import static org.replicator.core.index.Entries.file;
import static org.replicator.core.index.Entries.link;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.core.path.UnsafePathException;

class IndexTest {
  private final Index index = new Index();

  private List<String> paths(List<Entry> entries) {
    return entries.stream().map(Entry::path).toList();
  }

  @Test
  void putThenGetReturnsTheEntryAndReplaceUpdatesCounters() {
    index.put(file("a.txt", 10, 1, 100));
    index.put(file("a.txt", 25, 2, 100));
    assertThat(index.get("a.txt").size()).isEqualTo(25);
    assertThat(index.get("missing")).isNull();
    assertThat(index.size()).isEqualTo(1);
    assertThat(index.fileCount()).isEqualTo(1);
    assertThat(index.totalBytes()).isEqualTo(25);
  }

  @Test
  void invalidPathIsRefusedByPut() {
    assertThatThrownBy(() -> index.put(file("../etc/passwd", 1, 1, 1))).isInstanceOf(UnsafePathException.class);
    assertThatThrownBy(() -> index.put(file(".replicator/tmp", 1, 1, 1))).isInstanceOf(UnsafePathException.class);
    assertThat(index.size()).isZero();
  }

  @Test
  void subtreeFindsDescendantsEvenWhenSiblingsSortBetweenThem() {
    index.put(dir("a", 1));
    index.put(file("a b", 1, 1, 2));
    index.put(file("a!", 1, 1, 3));
    index.put(file("a/b", 1, 1, 4));
    index.put(dir("a/c", 5));
    index.put(file("a/c/d", 1, 1, 6));
    index.put(file("a0", 1, 1, 7));
    index.put(file("ab", 1, 1, 8));

    assertThat(paths(index.subtree("a"))).containsExactly("a", "a/b", "a/c", "a/c/d");
    assertThat(paths(index.subtree("a/c"))).containsExactly("a/c", "a/c/d");
    assertThat(paths(index.subtree(""))).hasSize(8);
    assertThat(index.entries()).extracting(Entry::path).isSorted();
  }

  @Test
  void subtreeOfAbsentParentStillListsOrphanedDescendants() {
    index.put(file("x/y", 1, 1, 1));
    assertThat(paths(index.subtree("x"))).containsExactly("x/y");
  }

  @Test
  void removeTakesJustThatPath() {
    index.put(dir("a", 1));
    index.put(file("a/b", 3, 1, 2));
    assertThat(index.remove("a").path()).isEqualTo("a");
    assertThat(index.get("a/b")).isNotNull();
    assertThat(index.remove("a")).isNull();
    assertThat(index.pathsWithInode(1)).isEmpty();
  }

  @Test
  void removeSubtreeTakesPathAndDescendantsAndUpdatesEverything() {
    index.put(dir("a", 1));
    index.put(file("a/b", 3, 1, 2));
    index.put(file("a b", 4, 1, 3));
    long before = index.digest();
    List<Entry> removed = index.removeSubtree("a");
    assertThat(paths(removed)).containsExactly("a", "a/b");
    assertThat(paths(index.subtree(""))).containsExactly("a b");
    assertThat(index.fileCount()).isEqualTo(1);
    assertThat(index.totalBytes()).isEqualTo(4);
    assertThat(index.pathsWithInode(2)).isEmpty();
    assertThat(index.digest()).isEqualTo(before - Index.entryDigest(dir("a", 1)) - Index.entryDigest(file("a/b", 3, 1, 2)));
  }

  @Test
  void removeSubtreeOfEmptyPathClearsTheIndex() {
    index.put(dir("a", 1));
    index.put(file("a/b", 3, 1, 2));
    assertThat(index.removeSubtree("")).hasSize(2);
    assertThat(index.size()).isZero();
    assertThat(index.digest()).isZero();
    assertThat(index.totalBytes()).isZero();
  }

  @Test
  void moveSubtreeRekeysDescendantsAndKeepsInodes() {
    index.put(dir("old", 1));
    index.put(file("old/f", 5, 9, 2));
    index.put(dir("old/sub", 3));
    index.put(file("old/sub/g", 6, 8, 4));
    index.put(file("old sibling", 1, 1, 5));

    index.moveSubtree("old", "new/place");

    assertThat(paths(index.subtree(""))).containsExactly("new/place", "new/place/f", "new/place/sub", "new/place/sub/g", "old sibling");
    assertThat(index.get("new/place/sub/g").hash()).isEqualTo(8);
    assertThat(index.pathsWithInode(4)).containsExactly("new/place/sub/g");
    assertThat(index.pathsWithInode(1)).containsExactly("new/place");
    assertThat(index.fileCount()).isEqualTo(3);
  }

  @Test
  void moveSubtreeReplacesWhatWasAtTheTarget() {
    index.put(file("a", 1, 1, 1));
    index.put(dir("b", 2));
    index.put(file("b/stale", 7, 7, 3));
    index.moveSubtree("a", "b");
    assertThat(paths(index.subtree(""))).containsExactly("b");
    assertThat(index.get("b").inode()).isEqualTo(1);
    assertThat(index.pathsWithInode(3)).isEmpty();
    assertThat(index.totalBytes()).isEqualTo(1);
  }

  @Test
  void moveIntoOwnSubtreeIsRefused() {
    index.put(dir("a", 1));
    assertThatThrownBy(() -> index.moveSubtree("a", "a/b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> index.moveSubtree("a/b", "a")).isInstanceOf(IllegalArgumentException.class);
    index.moveSubtree("a", "a");
    assertThat(index.get("a")).isNotNull();
  }

  @Test
  void hardLinksShareAnInodeGroupThatFollowsEveryChange() {
    index.put(file("one", 3, 1, 42));
    index.put(file("two", 3, 1, 42));
    index.put(file("three", 3, 1, 42));
    assertThat(index.pathsWithInode(42)).containsExactly("one", "three", "two");
    index.remove("two");
    assertThat(index.pathsWithInode(42)).containsExactly("one", "three");
    index.put(file("one", 3, 1, 43));
    assertThat(index.pathsWithInode(42)).containsExactly("three");
    assertThat(index.pathsWithInode(43)).containsExactly("one");
    index.moveSubtree("three", "four");
    assertThat(index.pathsWithInode(42)).containsExactly("four");
  }

  @Test
  void inodeZeroIsUnknownAndNeverIndexed() {
    index.put(file("a", 1, 1, 0));
    index.put(file("b", 1, 1, 0));
    assertThat(index.pathsWithInode(0)).isEmpty();
  }

  @Test
  void copyIsIndependent() {
    index.put(file("a", 1, 1, 1));
    Index copy = index.copy();
    copy.put(file("b", 2, 2, 2));
    copy.remove("a");
    assertThat(index.get("a")).isNotNull();
    assertThat(index.get("b")).isNull();
    assertThat(index.pathsWithInode(1)).containsExactly("a");
    assertThat(copy.pathsWithInode(1)).isEmpty();
    assertThat(copy.digest()).isEqualTo(Index.entryDigest(file("b", 2, 2, 2)));
  }

  @Test
  void digestIgnoresNodeLocalFieldsAndDirectoryMtime() {
    Entry f = file("a", 1, 1, 1);
    Entry sameElsewhere = new Entry("a", EntryType.FILE, 1, f.mtimeNanos(), f.mode(), f.uid(), f.gid(), 1, "", 999, 3, 5);
    assertThat(Index.entryDigest(sameElsewhere)).isEqualTo(Index.entryDigest(f));

    Entry d = dir("d", 1);
    Entry dTouched = new Entry("d", EntryType.DIR, 0, d.mtimeNanos() + 12345, d.mode(), d.uid(), d.gid(), 0, "", 1, 2, 0);
    assertThat(Index.entryDigest(dTouched)).isEqualTo(Index.entryDigest(d));

    Entry l = link("l", "target", 1);
    Entry lSubMicro = new Entry("l", EntryType.SYMLINK, 0, l.mtimeNanos() - 999, l.mode(), l.uid(), l.gid(), 0, "target", 1, 1, 1);
    assertThat(Index.entryDigest(lSubMicro)).isEqualTo(Index.entryDigest(l));
  }

  @Test
  void digestSeesEveryReplicatedField() {
    Entry f = file("a", 1, 1, 1);
    List<Entry> variants = List.of(
        f.withPath("b"),
        f.withHash(2),
        new Entry("a", EntryType.FILE, 2, f.mtimeNanos(), f.mode(), f.uid(), f.gid(), 1, "", 1, 1, 1),
        new Entry("a", EntryType.FILE, 1, f.mtimeNanos() + 1, f.mode(), f.uid(), f.gid(), 1, "", 1, 1, 1),
        new Entry("a", EntryType.FILE, 1, f.mtimeNanos(), 0600, f.uid(), f.gid(), 1, "", 1, 1, 1),
        new Entry("a", EntryType.FILE, 1, f.mtimeNanos(), f.mode(), 0, f.gid(), 1, "", 1, 1, 1),
        new Entry("a", EntryType.FILE, 1, f.mtimeNanos(), f.mode(), f.uid(), 0, 1, "", 1, 1, 1),
        link("a", "x", 1),
        link("a", "y", 1));
    for (Entry v : variants) {
      assertThat(Index.entryDigest(v)).as(v.toString()).isNotEqualTo(Index.entryDigest(f));
    }
  }

  @Test
  void ofSortedIsTheSameIndexAsPuttingEachEntry() {
    // Hard-linked pair, a symlink, siblings that sort between a directory and its children.
    List<Entry> sorted = List.of(dir("a", 10), file("a b", 3, 7, 11), file("a/x", 5, 8, 12), file("a/y", 5, 8, 12),
        dir("a/z", 13), link("a/z/l", "../x", 14), file("b", 9, 9, 0));
    for (Entry e : sorted) {
      index.put(e);
    }
    Index bulk = Index.ofSorted(sorted);

    assertThat(bulk.entries()).containsExactlyElementsOf(index.entries());
    assertThat(bulk.digest()).isEqualTo(index.digest());
    assertThat(bulk.size()).isEqualTo(index.size());
    assertThat(bulk.fileCount()).isEqualTo(index.fileCount());
    assertThat(bulk.totalBytes()).isEqualTo(index.totalBytes());
    assertThat(bulk.pathsWithInode(12)).containsExactly("a/x", "a/y");
    assertThat(bulk.pathsWithInode(0)).isEmpty();
    assertThat(paths(bulk.subtree("a"))).containsExactly("a", "a/x", "a/y", "a/z", "a/z/l");
    // A working index afterwards: puts, removes and lookups behave as on one built entry by entry.
    bulk.put(file("a/w", 1, 1, 15));
    bulk.remove("a/x");
    assertThat(bulk.get("a/w")).isNotNull();
    assertThat(bulk.pathsWithInode(12)).containsExactly("a/y");
    assertThat(Index.ofSorted(List.of()).size()).isZero();
  }

  @Test
  void ofSortedRefusesEntriesOutOfOrderOrTwiceAndInvalidPaths() {
    assertThatThrownBy(() -> Index.ofSorted(List.of(file("b", 1, 1, 1), file("a", 1, 1, 2))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a' follows 'b'");
    assertThatThrownBy(() -> Index.ofSorted(List.of(file("a", 1, 1, 1), file("a", 1, 1, 2))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Index.ofSorted(List.of(file("../x", 1, 1, 1)))).isInstanceOf(UnsafePathException.class);
  }
}
