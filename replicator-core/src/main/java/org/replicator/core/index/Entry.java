package org.replicator.core.index;

import org.replicator.core.op.Meta;

/**
 * What a node knows of one path of its tree.
 *
 * @param path relative, '/'-separated
 * @param size bytes for files, 0 otherwise
 * @param hash whole-file content hash ({@link org.replicator.core.hash.ContentHasher}) for
 *     files, 0 otherwise
 * @param linkTarget symlink target verbatim, empty otherwise
 * @param inode inode number on this node (used to pair moves and find hard links; never compared
 *     across nodes)
 * @param nlink hard link count
 * @param ctimeNanos status change time on this node: with size, mtime and inode it lets a rescan
 *     trust the stored hash without reading the file
 */
public record Entry(
    String path,
    EntryType type,
    long size,
    long mtimeNanos,
    int mode,
    int uid,
    int gid,
    long hash,
    String linkTarget,
    long inode,
    int nlink,
    long ctimeNanos) {

  public Meta meta() {
    return new Meta(mode, mtimeNanos, uid, gid);
  }

  /** True when the stat part (not the hash) shows the file unchanged since this entry was made. */
  public boolean sameStat(Entry other) {
    return type == other.type
        && size == other.size
        && mtimeNanos == other.mtimeNanos
        && ctimeNanos == other.ctimeNanos
        && inode == other.inode;
  }

  /** True when a slave holding {@code other} holds the same version of this path. */
  public boolean sameReplicatedState(Entry other, boolean compareOwners) {
    return type == other.type
        && size == other.size
        && hash == other.hash
        && mode == other.mode
        && linkTarget.equals(other.linkTarget)
        && (type == EntryType.DIR || sameMtime(other))
        && (!compareOwners || (uid == other.uid && gid == other.gid));
  }

  private boolean sameMtime(Entry other) {
    // Symlink times are set with lutimes (microseconds) on the slave.
    return type == EntryType.SYMLINK
        ? mtimeNanos / 1000 == other.mtimeNanos / 1000
        : mtimeNanos == other.mtimeNanos;
  }

  public Entry withPath(String newPath) {
    return new Entry(newPath, type, size, mtimeNanos, mode, uid, gid, hash, linkTarget, inode, nlink, ctimeNanos);
  }

  public Entry withHash(long newHash) {
    return new Entry(path, type, size, mtimeNanos, mode, uid, gid, newHash, linkTarget, inode, nlink, ctimeNanos);
  }
}
