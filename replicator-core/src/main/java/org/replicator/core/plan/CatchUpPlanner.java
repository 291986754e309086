package org.replicator.core.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.replicator.core.index.Entry;
import org.replicator.core.index.Index;
import org.replicator.core.op.Op;
import org.replicator.core.path.RelPath;

/**
 * The ops that bring a slave holding {@code slave} (its manifest) to the master's {@code master}
 * snapshot, sending only what differs: after a restart, a dropped connection or a queue overflow,
 * unchanged files are never copied again.
 *
 * <p>Order: creations and changes in path order (parents first), then deletes. Content comes from
 * the master's disk ({@link Content.OnDisk}) and is checked against the snapshot's hash while it
 * streams. Hard-link groups are rebuilt: the first name of a master inode is put, the others
 * linked to it unless the slave's names already share one inode.
 */
public final class CatchUpPlanner {
  private CatchUpPlanner() {}

  /**
   * @param deletes whether the delete policy allows catch-up to delete slave paths the master
   *     does not have
   * @param compareOwners whether owners are replicated
   */
  public static List<PlannedOp> diff(Index slave, Index master, boolean deletes, boolean compareOwners) {
    return diff(slave, master, deletes, compareOwners, Deltas.OFF);
  }

  /** As above; a file the slave holds in a version whose signature {@code deltas} has travels as a patch. */
  public static List<PlannedOp> diff(Index slave, Index master, boolean deletes, boolean compareOwners, Deltas deltas) {
    List<PlannedOp> ops = new ArrayList<>();
    Map<Long, String> groupLeader = new HashMap<>();
    String deletedPrefix = null;
    for (Entry want : master.entries()) {
      String path = want.path();
      if (path.isEmpty()) {
        continue;
      }
      Entry have = slave.get(path);
      if (deletedPrefix != null && RelPath.isSameOrUnder(path, deletedPrefix)) {
        have = null; // its parent was replaced on the slave, so it is gone there
      }
      if (have != null && have.type() != want.type()) {
        ops.add(PlannedOp.of(new Op.Delete(path)));
        deletedPrefix = path;
        have = null;
      }
      switch (want.type()) {
        case DIR -> {
          if (have == null) {
            ops.add(PlannedOp.of(new Op.Mkdir(path, want.meta())));
          } else if (!sameMeta(have, want, compareOwners) || have.mtimeNanos() != want.mtimeNanos()) {
            ops.add(PlannedOp.of(new Op.SetMeta(path, want.meta())));
          }
        }
        case SYMLINK -> {
          if (have == null || !have.linkTarget().equals(want.linkTarget())) {
            ops.add(PlannedOp.of(new Op.Symlink(path, want.linkTarget(), want.meta())));
          } else if (!have.sameReplicatedState(want, compareOwners)) {
            ops.add(PlannedOp.of(new Op.SetMeta(path, want.meta())));
          }
        }
        case FILE -> planFile(slave, want, have, groupLeader, ops, compareOwners, deltas);
      }
    }
    for (Entry extra : slave.entries()) {
      String path = extra.path();
      if (path.isEmpty() || master.get(path) != null) {
        continue;
      }
      if (deletedPrefix != null && RelPath.isSameOrUnder(path, deletedPrefix)) {
        continue;
      }
      if (deletes) {
        ops.add(PlannedOp.of(new Op.Delete(path)));
      }
      deletedPrefix = path; // everything below goes with it
    }
    return ops;
  }

  private static void planFile(Index slave, Entry want, Entry have, Map<Long, String> groupLeader, List<PlannedOp> ops, boolean compareOwners,
      Deltas deltas) {
    String path = want.path();
    if (want.nlink() > 1 && want.inode() != 0) {
      String leader = groupLeader.putIfAbsent(want.inode(), path);
      if (leader != null) {
        Entry leaderOnSlave = slave.get(leader);
        boolean linked = have != null && leaderOnSlave != null && have.inode() == leaderOnSlave.inode()
            && have.hash() == want.hash() && have.size() == want.size();
        if (!linked || !ops.isEmpty() && touches(ops, leader)) {
          ops.add(PlannedOp.of(new Op.Hardlink(path, leader)));
        }
        return;
      }
    }
    if (have == null || have.hash() != want.hash() || have.size() != want.size()) {
      Op.Basis basis = deltas.basisFor(have, want.hash(), want.size());
      ops.add(new PlannedOp(new Op.PutFile(path, want.size(), want.meta(), basis), new Content.OnDisk(path, want.size(), want.hash())));
    } else if (!sameMeta(have, want, compareOwners) || have.mtimeNanos() != want.mtimeNanos()) {
      ops.add(PlannedOp.of(new Op.SetMeta(path, want.meta())));
    }
  }

  /** True when an op already planned rewrites {@code path} (a put gives it a new inode). */
  private static boolean touches(List<PlannedOp> ops, String path) {
    for (int i = ops.size() - 1; i >= 0; i--) {
      if (ops.get(i).op() instanceof Op.PutFile put && put.path().equals(path)) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameMeta(Entry have, Entry want, boolean compareOwners) {
    return have.mode() == want.mode() && (!compareOwners || (have.uid() == want.uid() && have.gid() == want.gid()));
  }

  /** True when every entry of {@code master} is held the same way by {@code slave} and nothing extra. */
  public static boolean inSync(Index slave, Index master, boolean compareOwners) {
    return diff(slave, master, true, compareOwners).isEmpty();
  }
}
