package org.replicator.core.op;

/**
 * Metadata that travels with every created or changed path.
 *
 * @param mode permission bits (07777 mask; the applier strips setuid/setgid by policy)
 * @param mtimeNanos modification time in nanoseconds since the epoch
 * @param uid owner, or {@link #NO_OWNER} when the master does not run as root and owners are not replicated
 * @param gid group, or {@link #NO_OWNER}
 */
public record Meta(int mode, long mtimeNanos, int uid, int gid) {
  public static final int NO_OWNER = -1;

  public Meta {
    if ((mode & ~07777) != 0) {
      throw new IllegalArgumentException("mode has bits outside 07777: " + Integer.toOctalString(mode));
    }
    if (uid < NO_OWNER || gid < NO_OWNER) {
      throw new IllegalArgumentException("negative uid/gid: " + uid + "/" + gid);
    }
  }

  public boolean hasOwner() {
    return uid != NO_OWNER && gid != NO_OWNER;
  }
}
