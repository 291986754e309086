package org.replicator.core.scan;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;
import org.replicator.core.op.Meta;
import org.replicator.core.path.RelPath;
import org.replicator.core.path.UnsafePathException;

/**
 * Walks a docroot (any {@link Path}, so Jimfs works) into {@link Entry entries}.
 *
 * <p>What it does: lstat every path, never follows a symlink, does not descend into excluded
 * directories nor into the reserved top-level {@code .replicator}, and hashes files in bounded
 * memory (64 KiB reads through {@link ContentHasher}). A file whose stat (type, size, mtime, ctime,
 * inode) equals the previous index entry keeps that entry's hash without being read, so a restart
 * with nothing changed reads no file contents. A file that changes while it is read is re-read
 * up to {@value #MAX_RETRIES} more times, then reported as failed (its next change event brings it).
 *
 * <p>Refused names: a name that is not valid UTF-8 (Java shows it with U+FFFD) or that {@link
 * RelPath#validate} refuses is reported through {@link ScanListener#invalidName} and skipped, and
 * deliberately <em>not</em> put in {@link ScanResult#failedPaths()}: such a path has no name on the
 * wire, so it is never replicated; and since every node's scan skips it the same way, it never
 * shows up in a comparison and catch-up never deletes it from a slave either. It stays local.
 *
 * <p>Failures: a path that vanishes during the walk is simply absent; one that cannot be read
 * (permission denied, I/O error, a symlink target that is not valid UTF-8) is reported through
 * {@link ScanListener#pathFailed} and listed in {@link ScanResult#failedPaths()}, and the walk
 * goes on. A missing docroot is an exception, never an empty tree.
 *
 * <p>What it does not do: it does not watch, does not keep state between scans (the caller passes
 * the previous {@link Index}) and does not check that the parents of a path given to {@link
 * #stat} are real directories (paths produced by the walk always are; the applier checks paths it
 * writes). Known narrow race: a regular file replaced by a FIFO between lstat and open blocks the
 * read, as Java cannot open with O_NONBLOCK.
 *
 * <p>Not thread safe: one scan at a time per instance (it owns a read buffer); the caller's scan
 * thread owns it. The listener is called on that thread.
 */
public final class Scanner {
  /** How many times a file that changed while being read is read again before giving up. */
  static final int MAX_RETRIES = 3;

  private static final String UNIX_ATTRIBUTES =
      "unix:size,lastModifiedTime,isRegularFile,isDirectory,isSymbolicLink,isOther,mode,ino,nlink,uid,gid,ctime";
  /** Marks a device, FIFO or socket inside this class; never returned. */
  private static final Entry UNSUPPORTED = new Entry("", EntryType.FILE, 0, 0, 0, 0, 0, 0, "", 0, 0, 0);

  private final Path root;
  private final ExcludeFilter filter;
  private final boolean readOwners;
  private final ScanListener listener;
  private final FileAccess access;
  /** Null: nio's attribute map only (Jimfs, non-Linux, or no native stat offered). */
  private final LinkStat linkStat;
  private final boolean unixView;
  private final boolean posixView;
  private final byte[] buffer = new byte[ContentHasher.BLOCK];
  private final ContentHasher hasher = new ContentHasher();

  /**
   * @param root the docroot; may itself be a symlink (to a release directory, say), which is the
   *     only symlink ever followed
   * @param readOwners whether to record uid/gid; when false they are {@link Meta#NO_OWNER}
   */
  public Scanner(Path root, ExcludeFilter filter, boolean readOwners, ScanListener listener) {
    this(root, filter, readOwners, listener, FileAccess.DIRECT, null);
  }

  /**
   * A scanner whose lstat goes through {@code linkStat} where it answers (see {@link LinkStat});
   * ignored unless {@code root} is on the default file system and that has the {@code unix} view.
   */
  public Scanner(Path root, ExcludeFilter filter, boolean readOwners, ScanListener listener, LinkStat linkStat) {
    this(root, filter, readOwners, listener, FileAccess.DIRECT, linkStat);
  }

  Scanner(Path root, ExcludeFilter filter, boolean readOwners, ScanListener listener, FileAccess access) {
    this(root, filter, readOwners, listener, access, null);
  }

  Scanner(Path root, ExcludeFilter filter, boolean readOwners, ScanListener listener, FileAccess access, LinkStat linkStat) {
    this.root = root;
    this.filter = filter;
    this.readOwners = readOwners;
    this.listener = listener;
    this.access = access;
    Set<String> views = root.getFileSystem().supportedFileAttributeViews();
    this.unixView = views.contains("unix");
    this.posixView = views.contains("posix");
    this.linkStat = unixView && root.getFileSystem() == FileSystems.getDefault() ? linkStat : null;
  }

  /**
   * lstat of one path into an entry with hash 0 (symlinks carry their target verbatim).
   *
   * @return null when the path does not exist, or is a device, FIFO or socket (reported through
   *     {@link ScanListener#unsupportedType})
   * @throws UnsafePathException when {@code path} is not a valid relative path
   * @throws IOException when the path cannot be read
   */
  public Entry stat(String path) throws IOException {
    RelPath.validate(path);
    if (!underRealDirectories(path)) {
      return null;
    }
    Entry e = lstat(path, root.resolve(path));
    if (e == UNSUPPORTED) {
      listener.unsupportedType(path);
      return null;
    }
    return e;
  }

  /** Reads a whole file through {@link ContentHasher} in 64 KiB reads and returns its hash. */
  public long hash(String path) throws IOException {
    RelPath.validate(path);
    if (!underRealDirectories(path)) {
      throw new NoSuchFileException(path, null, "a parent directory is a symlink or missing: not part of the tree");
    }
    return read(path, root.resolve(path)).hash;
  }

  /**
   * True when every parent of {@code path} is a real directory (lstat, no symlink). A path below a
   * symlinked directory is not part of the tree, the same as in a {@link #scan}: without this
   * check, stat and hash would follow the link and, on a slave, tell a hostile master the size and
   * hash of files outside the docroot (the oracle of rsync's CVE-2024-12086). The check and the
   * later read are separate calls; docs/security.md lists that race.
   */
  private boolean underRealDirectories(String path) throws IOException {
    Path dir = root;
    String parent = RelPath.parent(path);
    if (parent.isEmpty()) {
      return true;
    }
    for (String name : parent.split("/")) {
      dir = dir.resolve(name);
      try {
        if (!Files.readAttributes(dir, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isDirectory()) {
          return false;
        }
      } catch (NoSuchFileException e) {
        return false;
      } catch (FileSystemException e) {
        return false; // ENOTDIR: an ancestor is a file
      }
    }
    return true;
  }

  /**
   * Walks {@code subtree} ("" = the whole docroot).
   *
   * @param previous the index from the last scan, whose hashes are reused for files with the same
   *     stat; null to hash everything
   * @throws NoSuchFileException when the docroot is missing or not a directory (an unmounted
   *     docroot must never look like an empty tree)
   * @throws IOException when the docroot itself cannot be listed
   */
  public ScanResult scan(String subtree, Index previous) throws IOException {
    return walk(subtree, previous, true);
  }

  /**
   * Walks {@code subtree} like {@link #scan} but reads no file: a file whose stat equals its entry
   * in {@code previous} keeps that entry's hash, every other file comes with hash 0. For a caller
   * that reads the changed files itself anyway (the planner reads each one at rest, for its
   * content): hashing them here too read every new file of an overflow rescan twice.
   */
  public ScanResult survey(String subtree, Index previous) throws IOException {
    return walk(subtree, previous, false);
  }

  /**
   * The rule by which a scan or survey trusts {@code previous}'s hash for the file it found as
   * {@code now} (same type and stat) instead of reading it; callers of {@link #survey} use it to
   * tell the entries that carry a hash from those that carry 0.
   */
  public static boolean keepsHash(Entry previous, Entry now) {
    return previous != null && previous.type() == EntryType.FILE && previous.sameStat(now);
  }

  private ScanResult walk(String subtree, Index previous, boolean readChanged) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new NoSuchFileException(root.toString(), null,
          "docroot is missing or not a directory; refusing to scan it (it would look empty)");
    }
    Walk walk = new Walk(previous, readChanged);
    if (subtree.isEmpty()) {
      walk.listRoot();
    } else {
      RelPath.validate(subtree);
      if (walk.reachable(subtree)) {
        walk.visit(subtree, root.resolve(subtree));
      }
    }
    walk.drain();
    walk.entries.sort(Comparator.comparing(Entry::path));
    return new ScanResult(walk.entries, walk.failed);
  }

  /** One scan's state. */
  private final class Walk {
    final Index previous;
    final List<Entry> entries = new ArrayList<>();
    final Set<String> failed = new HashSet<>();
    /** Directories stat'ed but not yet listed; their entry is added once listing shows they exist. */
    final Deque<Entry> pending = new ArrayDeque<>();
    /** Hashed files with nlink > 1 by inode, so a hard-link group is read once. */
    final Map<Long, Entry> linked = new HashMap<>();
    /** False for {@link #survey}: files the previous index does not vouch for are not read. */
    final boolean readChanged;
    /** The lstat of the path being visited, reused for every path of the walk. */
    final StatFields stat = new StatFields();

    Walk(Index previous, boolean readChanged) {
      this.previous = previous;
      this.readChanged = readChanged;
    }

    void listRoot() throws IOException {
      try (DirectoryStream<Path> children = access.list(root)) {
        for (Path child : children) {
          child("", child);
        }
      } catch (DirectoryIteratorException e) {
        throw new IOException("cannot list docroot " + root + ": " + e.getCause().getMessage(), e.getCause());
      }
    }

    /** True when every parent of {@code path} is a real, non-excluded directory. */
    boolean reachable(String path) throws IOException {
      String ancestor = "";
      int slash;
      while ((slash = path.indexOf('/', ancestor.isEmpty() ? 0 : ancestor.length() + 1)) >= 0) {
        ancestor = path.substring(0, slash);
        Entry e = lstat(ancestor, root.resolve(ancestor));
        if (e == null || e == UNSUPPORTED || e.type() != EntryType.DIR || filter.excluded(ancestor, true)) {
          return false;
        }
      }
      return true;
    }

    void drain() {
      while (!pending.isEmpty()) {
        Entry dir = pending.pop();
        DirectoryStream<Path> children;
        try {
          children = access.list(root.resolve(dir.path()));
        } catch (NoSuchFileException e) {
          continue; // deleted since its lstat: absent, and its delete event follows
        } catch (NotDirectoryException e) {
          fail(dir.path(), e); // replaced since its lstat: unknown until its events arrive
          continue;
        } catch (IOException e) {
          entries.add(dir); // its lstat worked; only its contents are unknown
          fail(dir.path(), e);
          continue;
        }
        entries.add(dir);
        try (children) {
          for (Path child : children) {
            child(dir.path(), child);
          }
        } catch (DirectoryIteratorException e) {
          fail(dir.path(), e.getCause());
        } catch (IOException e) {
          fail(dir.path(), e);
        }
      }
    }

    void child(String dir, Path child) {
      String name = child.getFileName().toString();
      if (dir.isEmpty() && name.equals(RelPath.RESERVED)) {
        return;
      }
      if (name.indexOf('\uFFFD') >= 0) {
        listener.invalidName(dir, UnsafePathException.printable(name));
        return;
      }
      String path = RelPath.join(dir, name);
      try {
        RelPath.validate(path);
      } catch (UnsafePathException e) {
        listener.invalidName(dir, UnsafePathException.printable(name));
        return;
      }
      visit(path, child);
    }

    void visit(String path, Path file) {
      try {
        if (!lstatInto(file, stat)) {
          return;
        }
        if (stat.type == null) {
          if (!filter.excluded(path, false)) {
            listener.unsupportedType(path);
          }
          return;
        }
        boolean dir = stat.type == EntryType.DIR;
        if (filter.excluded(path, dir)) {
          return;
        }
        if (stat.type == EntryType.FILE && previous != null) {
          Entry before = previous.get(path);
          if (before != null && stat.sameAs(before, entryUid(stat), entryGid(stat))) {
            // Unchanged in every field: the previous entry itself, without building one to compare
            // (issue 16: a restart's 100,000 unchanged files), and the index built from this scan
            // shares it (a restart's fresh entries were copied by the young collections).
            entries.add(before);
            return;
          }
        }
        Entry e = entry(path, file, stat);
        switch (e.type()) {
          case DIR -> pending.push(e);
          case SYMLINK -> entries.add(e);
          case FILE -> {
            Entry hashed = hashed(path, file, e);
            if (hashed != null) {
              entries.add(hashed);
            }
          }
        }
      } catch (IOException ex) {
        fail(path, ex);
      }
    }

    /** The file's entry with its hash, or null when it vanished. */
    private Entry hashed(String path, Path file, Entry stat) throws IOException {
      Entry before = previous == null ? null : previous.get(path);
      if (keepsHash(before, stat)) {
        Entry kept = stat.withHash(before.hash());
        // Unchanged in every field: the previous entry itself, so that the index built from this
        // scan shares it (issue 16: a restart's 100,000 fresh entries were copied by the young
        // collections and promoted while the loaded ones died).
        return kept.equals(before) ? before : kept;
      }
      if (!readChanged) {
        return stat;
      }
      if (stat.nlink() > 1 && stat.inode() != 0) {
        Entry sibling = linked.get(stat.inode());
        if (sibling != null && sibling.sameStat(stat)) {
          return stat.withHash(sibling.hash());
        }
      }
      Entry current = stat;
      for (int attempt = 0; ; attempt++) {
        Hashed h;
        try {
          h = read(path, file);
        } catch (NoSuchFileException e) {
          return null;
        }
        Entry after = lstat(path, file);
        if (after == null) {
          return null;
        }
        if (after == UNSUPPORTED || after.type() != EntryType.FILE) {
          throw new FileSystemException(path, null, "changed type while being read; its change event will bring it");
        }
        if (after.sameStat(current) && h.bytes == after.size()) {
          Entry done = after.withHash(h.hash);
          if (done.nlink() > 1 && done.inode() != 0) {
            linked.put(done.inode(), done);
          }
          return done;
        }
        if (attempt == MAX_RETRIES) {
          throw new FileSystemException(path, null, "kept changing while being read (" + (attempt + 1)
              + " reads); skipped for now, its next change event brings it");
        }
        current = after;
      }
    }

    private void fail(String path, IOException e) {
      failed.add(path);
      listener.pathFailed(path, e);
    }
  }

  private record Hashed(long hash, long bytes) {}

  private Hashed read(String path, Path file) throws IOException {
    hasher.reset();
    ByteBuffer wrapped = ByteBuffer.wrap(buffer);
    try (SeekableByteChannel channel = access.open(file)) {
      while (true) {
        wrapped.clear();
        int n = channel.read(wrapped);
        if (n < 0) {
          break;
        }
        hasher.update(buffer, 0, n);
      }
    }
    long bytes = hasher.length();
    long hash = hasher.finish();
    listener.fileHashed(path, bytes);
    return new Hashed(hash, bytes);
  }

  /** lstat; null when absent, {@link #UNSUPPORTED} for devices, FIFOs and sockets. */
  private Entry lstat(String path, Path file) throws IOException {
    StatFields f = new StatFields();
    return lstatInto(file, f) ? entry(path, file, f) : null;
  }

  /**
   * lstat into {@code into}, through the {@link LinkStat} when there is one and it answers, else
   * through nio's attribute map.
   *
   * @return false when the path does not exist (or a parent was replaced by a file)
   */
  private boolean lstatInto(Path file, StatFields into) throws IOException {
    if (linkStat != null && linkStat.lstat(file, into)) {
      return true;
    }
    Map<String, Object> a;
    try {
      a = Files.readAttributes(file, unixView ? UNIX_ATTRIBUTES : posixView ? "posix:*" : "basic:*",
          LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return false;
    } catch (FileSystemException e) {
      // ENOTDIR: a parent was replaced by a file, so this path no longer exists.
      Path parent = file.getParent();
      if (parent != null && Files.exists(parent, LinkOption.NOFOLLOW_LINKS)
          && !Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
      throw e;
    }
    if (Boolean.TRUE.equals(a.get("isSymbolicLink"))) {
      into.type = EntryType.SYMLINK;
    } else if (Boolean.TRUE.equals(a.get("isDirectory"))) {
      into.type = EntryType.DIR;
    } else if (Boolean.TRUE.equals(a.get("isRegularFile"))) {
      into.type = EntryType.FILE;
    } else {
      into.type = null;
      return true;
    }
    into.size = ((Number) a.get("size")).longValue();
    into.mtimeNanos = nanos((FileTime) a.get("lastModifiedTime"));
    if (unixView) {
      into.mode = ((Number) a.get("mode")).intValue() & 07777;
      into.inode = ((Number) a.get("ino")).longValue();
      into.nlink = ((Number) a.get("nlink")).intValue();
      into.ctimeNanos = nanos((FileTime) a.get("ctime"));
      into.uid = ((Number) a.get("uid")).intValue();
      into.gid = ((Number) a.get("gid")).intValue();
    } else {
      // Not Linux: no ctime, no link count; the fileKey stands in for the inode when it is a number.
      into.mode = posixView ? modeBits(a.get("permissions")) : (into.type == EntryType.DIR ? 0755 : 0644);
      into.inode = a.get("fileKey") instanceof Number n ? n.longValue() : 0;
      into.nlink = 1;
      into.ctimeNanos = 0;
      into.uid = Meta.NO_OWNER;
      into.gid = Meta.NO_OWNER;
    }
    return true;
  }

  /** The entry (hash 0) of what {@link #lstatInto} found; {@link #UNSUPPORTED} for devices, FIFOs and sockets. */
  private Entry entry(String path, Path file, StatFields f) throws IOException {
    if (f.type == null) {
      return UNSUPPORTED;
    }
    String target = "";
    if (f.type == EntryType.SYMLINK) {
      target = Files.readSymbolicLink(file).toString();
      if (target.indexOf('\uFFFD') >= 0) {
        throw new FileSystemException(path, null, "symlink target is not valid UTF-8; not replicated");
      }
    }
    return new Entry(path, f.type, f.type == EntryType.FILE ? f.size : 0, f.mtimeNanos, f.mode, entryUid(f), entryGid(f), 0, target,
        f.inode, f.nlink, f.ctimeNanos);
  }

  private int entryUid(StatFields f) {
    return readOwners ? f.uid : Meta.NO_OWNER;
  }

  private int entryGid(StatFields f) {
    return readOwners ? f.gid : Meta.NO_OWNER;
  }

  private static int modeBits(Object permissions) {
    int mode = 0;
    if (permissions instanceof Set<?> set) {
      for (PosixFilePermission p : PosixFilePermission.values()) {
        if (set.contains(p)) {
          mode |= 0400 >> p.ordinal();
        }
      }
    }
    return mode;
  }

  /** Nanoseconds since the epoch, saturated (FileTime.to(NANOSECONDS) also saturates, but silently at odd points). */
  static long nanos(FileTime time) {
    Instant i = time.toInstant();
    return StatFields.nanos(i.getEpochSecond(), i.getNano());
  }
}
