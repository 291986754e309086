package org.replicator.core.apply;

/**
 * How an {@link Applier} behaves.
 *
 * @param fsync fsync each file before its rename and every touched directory at the end of a
 *     batch; only tests and benchmarks turn it off
 * @param applyOwners set uid/gid from the op (needs root); otherwise new files belong to the
 *     agent's user
 * @param deleteAllowed when false a {@link org.replicator.core.op.Op.Delete} is skipped (reported
 *     to the listener) and an op that would remove a directory to put something else in its
 *     place fails with {@link ApplyException.Kind#POLICY}
 */
public record ApplierOptions(boolean fsync, boolean applyOwners, boolean deleteAllowed) {
  /** Production defaults for a slave running as root. */
  public static ApplierOptions defaults() {
    return new ApplierOptions(true, true, true);
  }
}
