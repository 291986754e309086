package org.replicator.agent.slave;

import io.netty.channel.Channel;
import org.replicator.core.op.Op;
import org.replicator.core.wire.Message;

/**
 * When a slave behind by many batches (a journal replay, a burst) may apply consecutive batches as
 * one unit: one install of their verified puts, fsync'd together, one round of directory fsyncs and
 * one state write for all of them. Without it, a replay of batches of one small file each waited
 * for one fsync per batch, one after the other (JFR of bench/replay.sh); with it the slave applied
 * such batches 4× faster (ReplayApplyBenchIT, median 152 → 620 batches/s on a loaded machine; see
 * docs/benchmarks.md, "Issue 16: data path").
 *
 * <p>The rule, checked at the end of each batch: the next batch of the same connection is already
 * queued whole (up to its BATCH_END, within {@link #MAX_SCAN} frames), and neither batch touches the
 * top-level {@code .maintenance} file. That file is WordPress's barrier around an update (issue 17):
 * a batch holding it is never merged with another, so it is applied after every file of the batches
 * before it is installed, and before any file of the batches after it. When the queue already shows
 * it, the batch before it is also made durable and acknowledged on its own ({@link Next#MAINTENANCE});
 * a batch whose next one has only begun arriving may still share its directory fsyncs and state
 * write with it (group commit, {@link Next#PARTIAL}), as before merging existed.
 *
 * <p>Acknowledgements do not change: every batch of a unit is acknowledged only after the whole unit
 * is installed and durable and the last one's number is persisted ({@link ApplyLoop}); a crash
 * before that leaves the slave's recorded position before the unit, and the master sends all of
 * its batches again. Pure functions, no state.
 */
final class BatchMerge {
  /** The top-level file that makes its batch stand alone. */
  static final String MAINTENANCE = org.replicator.core.batch.MaintenanceBarrier.FILE;
  /** Frames looked at for the next batch's end; a longer batch is not merged (it is big enough). */
  static final int MAX_SCAN = 4096;

  private BatchMerge() {}

  /** Whether {@code op} creates, changes, deletes or renames the top-level {@code .maintenance}. */
  static boolean touchesMaintenance(Op op) {
    return MAINTENANCE.equals(op.path()) || (op instanceof Op.Move move && MAINTENANCE.equals(move.from()));
  }

  /** What the queue shows of the next batch, seen from the end of the current one. */
  enum Next {
    /** Queued whole (up to its BATCH_END) and free of {@code .maintenance}: may share the unit. */
    JOINS,
    /** Begun but not whole yet, no {@code .maintenance} among what arrived: may share a group commit. */
    PARTIAL,
    /** Touches {@code .maintenance}: the current batch is closed, made durable and acknowledged first. */
    MAINTENANCE,
    /** Nothing queued after this batch (or a disconnect, or another connection, or a malformed frame). */
    NONE
  }

  /**
   * The next batch of {@code channel} as far as {@code queued} (in order) holds it: its
   * BATCH_BEGIN must come first, then its frames up to its BATCH_END.
   */
  static Next next(Iterable<ApplyLoop.Work> queued, Channel channel) {
    int seen = 0;
    for (ApplyLoop.Work w : queued) {
      if (w.channel() != channel || w.message() == null) {
        return seen == 0 ? Next.NONE : Next.PARTIAL; // the disconnect or the refusal ends it
      }
      Message m = w.message();
      if (++seen == 1) {
        if (!(m instanceof Message.BatchBegin)) {
          return Next.NONE;
        }
        continue;
      }
      if (m instanceof Message.OpMessage o && touchesMaintenance(o.op())) {
        return Next.MAINTENANCE;
      }
      if (m instanceof Message.BatchEnd) {
        return Next.JOINS;
      }
      if (m instanceof Message.BatchBegin || seen >= MAX_SCAN) {
        return Next.PARTIAL; // malformed (the loop refuses it in turn), or too long to look through
      }
    }
    return seen == 0 ? Next.NONE : Next.PARTIAL; // its end has not arrived yet
  }
}
