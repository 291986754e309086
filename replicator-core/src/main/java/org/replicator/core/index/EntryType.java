package org.replicator.core.index;

/** The kinds of path we replicate. Devices, FIFOs and sockets are never replicated. */
public enum EntryType {
  FILE,
  DIR,
  SYMLINK;

  public byte code() {
    return (byte) ordinal();
  }

  public static EntryType ofCode(int code) {
    EntryType[] all = values();
    if (code < 0 || code >= all.length) {
      throw new IllegalArgumentException("unknown entry type code " + code);
    }
    return all[code];
  }
}
