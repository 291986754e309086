package org.replicator.core.wire;

/**
 * Constants of the replication protocol: version, limits and the compatibility rule. The byte
 * layout of every frame is in {@code docs/protocol.md}; {@link FrameType} holds the type codes.
 *
 * <p>Every limit here is checked by {@link FrameReader} before it allocates anything sized by the
 * peer, and by {@link FrameWriter} before it sends something the peer would refuse.
 */
public final class Protocol {
  /** Bumped when old and new peers cannot talk at all; a mismatch refuses the connection. */
  public static final int MAJOR = 1;

  /** Bumped when a release adds something an older peer of the same major can ignore or avoid. */
  public static final int MINOR = 2;

  /** The first minor with patches (PATCH_FILE ops and COPY frames); the master sends them only from here. */
  public static final int MINOR_PATCHES = 1;

  /**
   * The first minor with epochs (failover fencing): HELLO and HELLO_REPLY end with the epoch. A node
   * of this minor refuses a peer before it, naming both versions: a peer without epochs cannot be
   * fenced, so it must never replicate beside one that has them.
   */
  public static final int MINOR_EPOCH = 2;

  /** The big-endian u32 in front of every frame; it counts the bytes after itself. */
  public static final int LENGTH_FIELD_BYTES = 4;

  /**
   * Largest whole frame, length field included: the {@code maxFrameLength} to give Netty's
   * {@code LengthFieldBasedFrameDecoder} (which also counts the length field). A full data chunk
   * plus its header fits with room to spare; manifest frames are the ones that use the rest.
   */
  public static final int MAX_FRAME = 1024 * 1024 + 1024;

  /** Largest value of the length field: type byte plus payload. */
  public static final int MAX_FRAME_BODY = MAX_FRAME - LENGTH_FIELD_BYTES;

  /** Raw (uncompressed) bytes of one data chunk. */
  public static final int MAX_DATA_CHUNK = 256 * 1024;

  /** Encoded bytes of a path, a symlink target, a node or cluster name. */
  public static final int MAX_STRING = 4096;

  /** Encoded bytes of free text: reasons and error messages. */
  public static final int MAX_TEXT = 16 * 1024;

  /** Entries in one manifest frame; a manifest is sent as many frames. */
  public static final int MAX_MANIFEST_ENTRIES = 2048;

  /** Failures reported in one ack. */
  public static final int MAX_FAILURES = 1000;

  /** Largest file size and hole length: 1 PiB, far above any docroot, far below overflow. */
  public static final long MAX_FILE_SIZE = 1L << 50;

  private Protocol() {}

  /**
   * The rolling-upgrade rule: peers talk when they share the major version and their minor
   * versions differ by at most one. Upgrading a cluster node by node therefore never breaks a
   * link, as long as no node skips a minor release. After the handshake each side speaks the
   * lower of the two minors ({@link #negotiatedMinor}).
   */
  public static boolean compatible(int peerMajor, int peerMinor) {
    return peerMajor == MAJOR && peerMinor >= 0 && Math.abs(peerMinor - MINOR) <= 1;
  }

  /** Whether a HELLO or HELLO_REPLY of this version carries the epoch field. */
  public static boolean hasEpoch(int major, int minor) {
    return major > MAJOR || (major == MAJOR && minor >= MINOR_EPOCH);
  }

  /** The minor version both sides speak once {@link #compatible} said yes. */
  public static int negotiatedMinor(int peerMinor) {
    return Math.min(MINOR, peerMinor);
  }
}
