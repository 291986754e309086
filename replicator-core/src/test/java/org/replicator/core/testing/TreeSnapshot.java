package org.replicator.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.replicator.core.hash.ContentHasher;

/**
 * Everything a replica must reproduce of a tree, read without following links: per path the type,
 * content hash and size, mode, mtime (ns), owner, symlink target and hard-link group. Compare two
 * snapshots with {@link #differences} or {@link #assertSameAs}; what is compared is chosen with a
 * {@link Compare}. The root itself is not part of the snapshot.
 */
public final class TreeSnapshot {
  public enum Type { FILE, DIR, SYMLINK, OTHER }

  /**
   * One path. {@code linkGroup} lists, sorted, every path of the tree that names the same inode
   * (empty for a file with one name).
   */
  public record Node(Type type, long size, long hash, int mode, long mtimeNanos, int uid, int gid,
      String linkTarget, String linkGroup) {}

  /** What to compare. Start from {@link #STRICT} and relax. */
  public record Compare(boolean dirMtimes, boolean owners, boolean symlinkMtimeMicros) {
    /** Everything but owners; symlink mtimes at lutimes precision (µs). */
    public static final Compare STRICT = new Compare(true, false, true);
    /** Directory mtimes change with their children: usually not part of a replica's promise. */
    public Compare ignoringDirMtimes() {
      return new Compare(false, owners, symlinkMtimeMicros);
    }

    public Compare withOwners() {
      return new Compare(dirMtimes, true, symlinkMtimeMicros);
    }
  }

  private final Path root;
  private final Map<String, Node> nodes;

  private TreeSnapshot(Path root, Map<String, Node> nodes) {
    this.root = root;
    this.nodes = nodes;
  }

  /** Snapshot of everything under {@code root} except the top-level {@code .replicator}. */
  public static TreeSnapshot of(Path root) {
    return of(root, rel -> rel.equals(".replicator"));
  }

  /** Snapshot of {@code root} skipping every relative path (and its subtree) that {@code exclude} accepts. */
  public static TreeSnapshot of(Path root, Predicate<String> exclude) {
    return of(root, exclude, true);
  }

  /**
   * Like {@link #of(Path, Predicate)}; without {@code hashContent} every file's hash is 0, so two
   * such snapshots compare everything but content: a cheap first look (stat only) for a poll.
   */
  public static TreeSnapshot of(Path root, Predicate<String> exclude, boolean hashContent) {
    Map<String, BasicFileAttributes> attrs = new TreeMap<>();
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a) {
          if (dir.equals(root)) {
            return FileVisitResult.CONTINUE;
          }
          String rel = relative(root, dir);
          if (exclude.test(rel)) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          attrs.put(rel, a);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
          String rel = relative(root, file);
          if (!exclude.test(rel)) {
            attrs.put(rel, a);
          }
          return FileVisitResult.CONTINUE;
        }
      });
      Map<Object, TreeSet<String>> groups = new HashMap<>();
      for (Map.Entry<String, BasicFileAttributes> e : attrs.entrySet()) {
        if (e.getValue().isRegularFile() && e.getValue().fileKey() != null) {
          groups.computeIfAbsent(e.getValue().fileKey(), k -> new TreeSet<>()).add(e.getKey());
        }
      }
      Map<String, Node> nodes = new TreeMap<>();
      for (Map.Entry<String, BasicFileAttributes> e : attrs.entrySet()) {
        nodes.put(e.getKey(), node(root.resolve(e.getKey()), e.getValue(), groups, hashContent));
      }
      return new TreeSnapshot(root, nodes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Map<String, Node> nodes() {
    return nodes;
  }

  public Node node(String rel) {
    return nodes.get(rel);
  }

  /** Human-readable differences, one line per path; empty when the trees agree under {@code compare}. */
  public List<String> differences(TreeSnapshot actual, Compare compare) {
    List<String> out = new ArrayList<>();
    TreeSet<String> paths = new TreeSet<>(nodes.keySet());
    paths.addAll(actual.nodes.keySet());
    for (String path : paths) {
      Node want = nodes.get(path);
      Node got = actual.nodes.get(path);
      if (want == null) {
        out.add(path + ": unexpected " + got);
      } else if (got == null) {
        out.add(path + ": missing, expected " + want);
      } else if (!same(want, got, compare)) {
        out.add(path + ": expected " + want + " but was " + got);
      }
    }
    return out;
  }

  /** Throws an {@link AssertionError} listing every difference. */
  public void assertSameAs(TreeSnapshot actual, Compare compare) {
    List<String> diff = differences(actual, compare);
    if (!diff.isEmpty()) {
      throw new AssertionError("tree " + actual.root + " differs from " + root + ":\n  " + String.join("\n  ", diff));
    }
  }

  private static boolean same(Node a, Node b, Compare c) {
    boolean mtime = switch (a.type()) {
      case DIR -> !c.dirMtimes() || a.mtimeNanos() == b.mtimeNanos();
      case SYMLINK -> c.symlinkMtimeMicros()
          ? a.mtimeNanos() / 1000 == b.mtimeNanos() / 1000
          : a.mtimeNanos() == b.mtimeNanos();
      default -> a.mtimeNanos() == b.mtimeNanos();
    };
    return a.type() == b.type()
        && a.size() == b.size()
        && a.hash() == b.hash()
        && a.mode() == b.mode()
        && mtime
        && (!c.owners() || (a.uid() == b.uid() && a.gid() == b.gid()))
        && Objects.equals(a.linkTarget(), b.linkTarget())
        && Objects.equals(a.linkGroup(), b.linkGroup());
  }

  private static Node node(Path path, BasicFileAttributes a, Map<Object, TreeSet<String>> groups, boolean hashContent) throws IOException {
    Type type = a.isSymbolicLink() ? Type.SYMLINK : a.isDirectory() ? Type.DIR : a.isRegularFile() ? Type.FILE : Type.OTHER;
    long mtime = a.lastModifiedTime().to(TimeUnit.NANOSECONDS);
    int uid = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    int gid = (Integer) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS);
    return switch (type) {
      case FILE -> {
        TreeSet<String> group = a.fileKey() == null ? null : groups.get(a.fileKey());
        String linkGroup = group == null || group.size() < 2 ? "" : String.join(",", group);
        yield new Node(type, a.size(), hashContent ? hash(path) : 0, mode(path), mtime, uid, gid, "", linkGroup);
      }
      case DIR -> new Node(type, 0, 0, mode(path), mtime, uid, gid, "", "");
      // A symlink's own mode is meaningless on Linux (always 0777): not compared.
      case SYMLINK -> new Node(type, 0, 0, 0, mtime, uid, gid, Files.readSymbolicLink(path).toString(), "");
      case OTHER -> new Node(type, 0, 0, mode(path), mtime, uid, gid, "", "");
    };
  }

  private static int mode(Path path) throws IOException {
    return TreeBuilder.mode(Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS).permissions());
  }

  /** Whole-file hash with {@link ContentHasher}, streamed. */
  public static long hash(Path file) throws IOException {
    ContentHasher hasher = new ContentHasher();
    byte[] buffer = new byte[ContentHasher.BLOCK];
    try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        hasher.update(buffer, 0, n);
      }
    }
    return hasher.finish();
  }

  private static String relative(Path root, Path path) {
    return root.relativize(path).toString().replace(path.getFileSystem().getSeparator(), "/");
  }
}
