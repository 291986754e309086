package org.replicator.core.index;

/** Small entry builders for index tests. */
final class Entries {
  private Entries() {}

  static Entry file(String path, long size, long hash, long inode) {
    return new Entry(path, EntryType.FILE, size, 1_700_000_000_123_456_789L, 0644, 33, 33, hash, "", inode, 1, 1_700_000_000_000_000_001L);
  }

  static Entry dir(String path, long inode) {
    return new Entry(path, EntryType.DIR, 0, 1_700_000_000_000_000_000L, 0755, 33, 33, 0, "", inode, 2, 1_700_000_000_000_000_000L);
  }

  static Entry link(String path, String target, long inode) {
    return new Entry(path, EntryType.SYMLINK, 0, 1_700_000_000_000_001_999L, 0777, 33, 33, 0, target, inode, 1, 1L);
  }
}
