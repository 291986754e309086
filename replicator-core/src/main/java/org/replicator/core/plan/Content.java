package org.replicator.core.plan;

/** Where the bytes of a planned {@code PutFile} come from. */
public sealed interface Content permits Content.Inline, Content.OnDisk {
  long size();

  long hash();

  /** Small file read once by the planner and shared by every slave session. */
  record Inline(byte[] bytes, long hash) implements Content {
    @Override
    public long size() {
      return bytes.length;
    }
  }

  /**
   * Large file: each slave session streams it from disk and checks that what it read still has
   * {@code hash}; if not, the file changed again and a later batch carries the new version.
   */
  record OnDisk(String path, long size, long hash) implements Content {}
}
