package org.replicator.agent.watch;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which directory each inotify watch descriptor stands for. A kernel watch follows its inode, not
 * its name: after a rename the same descriptor reports from the new name. So a node holds its
 * parent and its name, and a path is computed on demand: renaming a directory of 10,000
 * subdirectories is one node re-linked, not 10,000 paths rewritten.
 *
 * <p>Owned by the source's reader thread (and by start, before that thread runs); not thread safe.
 * Memory: one node per watched directory.
 */
final class WatchTree {
  static final class Node {
    final int wd;
    Node parent;
    String name;
    final Map<String, Node> children = new HashMap<>();
    /** Mark of the last full walk (see {@link InotifySource}'s overflow handling). */
    long seenInWalk;

    Node(int wd, Node parent, String name) {
      this.wd = wd;
      this.parent = parent;
      this.name = name;
    }

    boolean isRoot;

    /**
     * Relative to the docroot, '/'-separated; "" for the docroot; null for a directory no longer
     * reachable by name (replaced, or under one that was): its events are stale.
     */
    String path() {
      if (isRoot) {
        return "";
      }
      if (parent == null) {
        return null;
      }
      String p = parent.path();
      return p == null ? null : p.isEmpty() ? name : p + "/" + name;
    }
  }

  private final Map<Integer, Node> byWd = new HashMap<>();
  private Node root;

  Node root() {
    return root;
  }

  Node byWd(int wd) {
    return byWd.get(wd);
  }

  int size() {
    return byWd.size();
  }

  /**
   * Records that {@code wd} watches {@code name} under {@code parent} (null parent: the docroot).
   * The kernel gives the same descriptor for a directory already watched: then the node moves to
   * this place (a rename whose events were lost).
   */
  Node put(int wd, Node parent, String name) {
    Node node = byWd.get(wd);
    if (node == null) {
      node = new Node(wd, parent, name);
      byWd.put(wd, node);
    } else {
      detach(node);
      node.parent = parent;
      node.name = name;
    }
    if (parent == null) {
      root = node;
      node.isRoot = true;
    } else {
      Node replaced = parent.children.put(name, node);
      if (replaced != null && replaced != node) {
        replaced.parent = null; // its directory is gone from this name; its IN_IGNORED removes it
      }
    }
    return node;
  }

  /** The watched child directory {@code name} of {@code parent}, or null. */
  Node child(Node parent, String name) {
    return parent.children.get(name);
  }

  /** A watched directory was renamed (paired by cookie): re-link it, its subtree follows. */
  void move(Node node, Node newParent, String newName) {
    detach(node);
    node.parent = newParent;
    node.name = newName;
    Node replaced = newParent.children.put(newName, node);
    if (replaced != null && replaced != node) {
      replaced.parent = null; // rename(2) over an empty directory: that one is gone
    }
  }

  /** Forgets one node (its watch ended: IN_IGNORED); its children stay until their own ends. */
  void remove(Node node) {
    byWd.remove(node.wd);
    detach(node);
    for (Node c : node.children.values()) {
      if (c.parent == node) {
        c.parent = null;
      }
    }
    if (node == root) {
      root = null;
    }
  }

  /** Every node of the subtree at {@code top}, {@code top} first. */
  List<Node> subtree(Node top) {
    List<Node> out = new ArrayList<>();
    List<Node> todo = new ArrayList<>(List.of(top));
    while (!todo.isEmpty()) {
      Node n = todo.remove(todo.size() - 1);
      out.add(n);
      todo.addAll(n.children.values());
    }
    return out;
  }

  /** Nodes not marked by the walk {@code mark}: their directories are gone or moved away. */
  List<Node> unmarked(long mark) {
    List<Node> out = new ArrayList<>();
    for (Node n : byWd.values()) {
      if (n.seenInWalk != mark) {
        out.add(n);
      }
    }
    return out;
  }

  private static void detach(Node node) {
    if (node.parent != null && node.parent.children.get(node.name) == node) {
      node.parent.children.remove(node.name);
    }
  }
}
