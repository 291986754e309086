package org.replicator.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Descriptors to paths as parent + name: a rename re-links one node, its subtree follows. */
class WatchTreeTest {
  private final WatchTree tree = new WatchTree();
  private final WatchTree.Node root = tree.put(1, null, "");
  private final WatchTree.Node a = tree.put(2, root, "a");
  private final WatchTree.Node b = tree.put(3, a, "b");
  private final WatchTree.Node other = tree.put(4, root, "other");

  @Test
  void pathsFollowARenameOfAnAncestor() {
    tree.move(a, other, "moved");

    assertThat(b.path()).isEqualTo("other/moved/b");
    assertThat(tree.child(root, "a")).isNull();
    assertThat(tree.child(other, "moved")).isSameAs(a);
  }

  @Test
  void aNodeCutOffFromTheRootHasNoPathAndItsEventsAreStale() {
    tree.remove(a);

    assertThat(tree.byWd(2)).isNull();
    assertThat(b.path()).isNull();
    assertThat(root.path()).isEmpty();
  }

  @Test
  void theSameDescriptorAddedAtAnotherPlaceMovesThere() {
    WatchTree.Node again = tree.put(3, other, "b2");

    assertThat(again).isSameAs(b);
    assertThat(b.path()).isEqualTo("other/b2");
    assertThat(tree.child(a, "b")).isNull();
    assertThat(tree.size()).isEqualTo(4);
  }

  @Test
  void aDirectoryReplacedByAnotherUnderTheSameNameLeavesTheOldOneStale() {
    WatchTree.Node replacement = tree.put(5, root, "a");

    assertThat(tree.child(root, "a")).isSameAs(replacement);
    assertThat(a.path()).isNull();
    assertThat(b.path()).isNull();
  }

  @Test
  void unmarkedNodesAreTheOnesAWalkDidNotReach() {
    root.seenInWalk = 7;
    a.seenInWalk = 7;
    other.seenInWalk = 7;

    assertThat(tree.unmarked(7)).containsExactly(b);
  }
}
