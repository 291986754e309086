package org.replicator.agent.slave;

import io.netty.channel.Channel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.replicator.agent.hooks.BatchListener;
import org.replicator.agent.lifecycle.StateFile;
import org.replicator.agent.stats.ErrorKind;
import org.replicator.core.apply.AppliedIndex;
import org.replicator.core.apply.Applier;
import org.replicator.core.apply.ApplyException;
import org.replicator.core.apply.ApplyListener;
import org.replicator.core.apply.DirectorySwap;
import org.replicator.core.apply.FileSink;
import org.replicator.core.index.Entry;
import org.replicator.core.index.Index;
import org.replicator.core.op.Op;
import org.replicator.core.path.UnsafePathException;
import org.replicator.core.scan.Scanner;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.FrameWriter;
import org.replicator.core.wire.Protocol;
import org.replicator.core.wire.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The slave's one writer thread: the protocol state machine of a batch (begin, ops, file content,
 * end), group commit, and the order persist-then-acknowledge. The work itself is core's: the
 * {@link Applier} changes the disk, {@link AppliedIndex} keeps the slave index true to it.
 *
 * <p>Netty threads only enqueue ({@link #submit}); the receiver stops reading from the socket once
 * {@link #CAPACITY} frames wait, so a fast master cannot make this slave buffer without bound.
 * The queue itself holds more ({@link #HARD_CAPACITY}): frames already decoded from the last
 * socket read still arrive after reading stopped (one read of small ops is hundreds of frames),
 * and blocking the event loop on them would stop its pings too; the master would take the slave
 * for dead (found by the fault suite's overflow storm once the master's silence limit became
 * 5 s). Those extra frames are bounded by one socket read. Everything else here is confined to
 * the loop's thread.
 *
 * <p>A batch counts as applied only when every frame of it was accepted: once a frame of a
 * connection is refused ({@link Rejection}, here or in the receiver), the frames of that connection
 * still queued are dropped and its open batch is abandoned, never recorded or acknowledged.
 */
public final class ApplyLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(ApplyLoop.class);
  /** Frames queued at which the receiver stops reading (it resumes below half). */
  static final int CAPACITY = 64;
  /** What the queue can hold: CAPACITY plus the rest of one socket read (a last resort blocks). */
  static final int HARD_CAPACITY = 16_384;

  private final BlockingQueue<Work> queue = new ArrayBlockingQueue<>(HARD_CAPACITY);
  /** Group commit bounds: see {@link #joinsGroup}. */
  static final int MAX_GROUP = 64;
  static final long MAX_GROUP_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private final List<DeferredAck> deferred = new ArrayList<>();
  private long groupStartNanos;
  private final Applier applier;
  private final Index index;
  /** The index kept true to the disk as ops are applied (core's upkeep, this loop's thread). */
  private final AppliedIndex kept;
  private final StateFile state;
  private final Path indexFile;
  private final SlaveStatus status;
  private final LongFunction<Message> helloReply;

  private Channel current;
  private long batchSeq;
  /**
   * Merged apply unit ({@link BatchMerge}): while true the applier's batch stays open across batch
   * boundaries; {@link #unitSeq} is the number it was opened with (the unit's first batch).
   */
  private boolean unitOpen;
  private long unitSeq;
  /** Whether the batch being applied touches the top-level {@code .maintenance}: it stands alone. */
  private boolean batchTouchesMaintenance;
  private Op.PutFile putOp;
  private FileSink sink;
  private final BatchFailures failures = new BatchFailures();
  private boolean indexDirty;
  private long lastIndexSave = System.nanoTime();
  private volatile boolean running = true;
  /** Told of each applied op and each acknowledged batch (post-apply hooks); set before start. */
  private volatile BatchListener batchListener = BatchListener.NONE;

  /** Hashes of verified puts not installed yet (parallel sync), in commit order. */
  private final ArrayDeque<Long> pendingHashes = new ArrayDeque<>();

  ApplyLoop(Function<ApplyListener, Applier> applierFactory, Index index, Scanner scanner, StateFile state, Path indexFile,
      SlaveStatus status, LongFunction<Message> helloReply) {
    this.helloReply = helloReply;
    Applier applier = applierFactory.apply(new InstallEvents());
    this.applier = applier;
    this.index = index;
    this.kept = new AppliedIndex(index, scanner, applier);
    this.state = state;
    this.indexFile = indexFile;
    this.status = status;
  }

  record Work(Channel channel, Message message) {}

  /** Called on a Netty thread; blocks only if the receiver ignored backpressure (never, in practice). */
  void submit(Channel channel, Message message) throws InterruptedException {
    queue.put(new Work(channel, message));
  }

  /** Frames waiting to be applied. */
  int queued() {
    return queue.size();
  }

  /** The connection is gone: drop its half-applied file and batch. */
  void disconnected(Channel channel) {
    queue.offer(new Work(channel, null));
  }

  void stop() {
    running = false;
  }

  /**
   * The startup scan found the disk other than the saved index (or no index was saved): save it
   * at the next idle second or at stop, so that the next start does not read every file again.
   * Before the loop's thread starts.
   */
  void indexRescanned() {
    indexDirty = true;
    lastIndexSave = System.nanoTime() - TimeUnit.SECONDS.toNanos(30);
  }

  void batchListener(BatchListener listener) {
    this.batchListener = listener;
  }

  @Override
  public void run() {
    while (running) {
      Work work;
      try {
        work = queue.poll(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        break;
      }
      if (work == null) {
        maybeSaveIndex(false);
        continue;
      }
      SlaveReceiverHandler.resumeReadingIfDrained(work.channel(), this);
      if (Rejection.isMarked(work.channel())) {
        // A frame of this connection was refused: nothing more of it is applied, not even frames
        // queued before the refusal was known (they may belong to the refused frame's batch). Its
        // open batch is abandoned: never recorded, never acknowledged.
        if (work.channel() == current) {
          abandonConnection();
        }
        continue;
      }
      if (work.message() == null) {
        if (work.channel() == current) {
          resetConnectionState();
        }
        continue;
      }
      if (work.channel() != current) {
        resetConnectionState();
        current = work.channel();
      }
      try {
        handle(work.channel(), work.message());
      } catch (UnsafePathException | ProtocolException e) {
        if (Rejection.mark(work.channel())) {
          log.warn("peer={} protocol violation, closing connection: {}", work.channel().remoteAddress(), e.getMessage());
          status.recordError(ErrorKind.PROTOCOL, "protocol violation by " + work.channel().remoteAddress() + ": " + e.getMessage());
          Rejection.sendErrorAndClose(work.channel(), e);
        }
        abandonConnection();
      } catch (IOException e) {
        Rejection.mark(work.channel());
        log.error("state persistence failed, closing connection: {}", e.toString());
        status.recordError(ErrorKind.PERSIST, "cannot persist state: " + e.getMessage());
        work.channel().close();
        abandonConnection();
      } catch (RuntimeException e) {
        Rejection.mark(work.channel());
        log.error("internal error while applying, closing connection", e);
        status.recordError(ErrorKind.INTERNAL, "internal error: " + e);
        work.channel().close();
        abandonConnection();
      }
    }
    maybeSaveIndex(true);
  }

  /**
   * The current connection was refused (by this loop or by the receiver) or failed here: its open
   * batch ends unrecorded ({@link #resetConnectionState}) and nothing more it sent is applied.
   */
  private void abandonConnection() {
    resetConnectionState();
    current = null;
  }

  private void handle(Channel ch, Message m) throws IOException, ProtocolException {
    switch (m.type()) {
      case BATCH_BEGIN -> {
        Message.BatchBegin b = (Message.BatchBegin) m;
        if (batchSeq != 0) {
          throw new ProtocolException("BATCH_BEGIN " + b.seq() + " inside batch " + batchSeq);
        }
        batchSeq = b.seq();
        batchTouchesMaintenance = false;
        failures.clear();
        if (!unitOpen) {
          unitSeq = b.seq();
          applier.beginBatch(b.seq());
        }
      }
      case OP -> {
        Message.OpMessage o = (Message.OpMessage) m;
        applyOp(o.op());
      }
      case DATA -> {
        Message.Data d = (Message.Data) m;
        requirePut("DATA");
        if (sink != null) {
          try {
            sink.write(ByteBuffer.wrap(d.bytes()));
          } catch (ApplyException e) {
            failPut(e);
          }
        }
      }
      case ZEROS -> {
        Message.Zeros z = (Message.Zeros) m;
        requirePut("ZEROS");
        if (sink != null) {
          try {
            sink.skipZeros(z.length());
          } catch (ApplyException e) {
            failPut(e);
          }
        }
      }
      case COPY -> {
        Message.Copy c = (Message.Copy) m;
        requirePut("COPY");
        if (sink != null) {
          try {
            sink.copy(c.offset(), c.length());
          } catch (ApplyException e) {
            failPut(e);
          }
        }
      }
      case PUT_END -> {
        Message.PutEnd end = (Message.PutEnd) m;
        requirePut("PUT_END");
        if (sink != null) {
          pendingHashes.addLast(end.hash());
          try {
            sink.commit(end.hash()); // installed now, or later in order (parallel sync)
          } catch (ApplyException e) {
            pendingHashes.pollLast();
            failPut(e);
          }
        }
        putOp = null;
        sink = null;
      }
      case PUT_ABORT -> {
        requirePut("PUT_ABORT");
        if (sink != null) {
          sink.abort();
        }
        putOp = null;
        sink = null;
      }
      case BATCH_END -> {
        Message.BatchEnd end = (Message.BatchEnd) m;
        if (end.seq() != batchSeq || putOp != null) {
          throw new ProtocolException("BATCH_END " + end.seq() + " does not close batch " + batchSeq + (putOp != null ? " (a file is still open)" : ""));
        }
        BatchMerge.Next next = batchTouchesMaintenance || !joinsGroup(ch) ? BatchMerge.Next.NONE : BatchMerge.next(queue, ch);
        if (next == BatchMerge.Next.JOINS) {
          // One apply unit with the next batch: its puts, directory fsyncs and state write are
          // the unit's; it is acknowledged with the unit, after all of it is durable.
          unitOpen = true;
          if (deferred.isEmpty()) {
            groupStartNanos = System.nanoTime();
          }
          deferred.add(new DeferredAck(end.seq(), failures.list()));
          batchSeq = 0;
          return;
        }
        unitOpen = false;
        boolean group = next == BatchMerge.Next.PARTIAL;
        try {
          if (group) {
            applier.endBatchDeferringSync(unitSeq);
          } else {
            applier.endBatch(unitSeq); // also makes the deferred batches' renames durable
          }
        } catch (ApplyException e) {
          failures.add(failure(e));
        }
        reindexSwapped();
        List<Message.Failure> batchFailures = failures.list();
        batchSeq = 0;
        if (group) {
          if (deferred.isEmpty()) {
            groupStartNanos = System.nanoTime();
          }
          deferred.add(new DeferredAck(end.seq(), batchFailures));
          return;
        }
        // Persist first, acknowledge after: an acknowledged batch survives a crash.
        state.write("lastAppliedSeq", end.seq());
        acknowledgeDeferred(ch);
        acknowledge(ch, end.seq(), batchFailures);
        maybeSaveIndex(false);
      }
      case MANIFEST_REQUEST -> {
        sendManifest(ch);
      }
      case HELLO -> {
        ch.writeAndFlush(helloReply.apply(index.digest()));
      }
      default -> throw new ProtocolException("unexpected " + m.type() + " from the master");
    }
  }

  /** Ops of a swapped directory were recorded against its live path while they built the copy: look again. */
  private void reindexSwapped() {
    for (String root : applier.swappedRoots()) {
      try {
        kept.rescan(root);
        indexDirty = true;
      } catch (IOException e) {
        log.warn("path=\"{}\" swapped but cannot be indexed again: {} (the next resync compares it)", root, e.toString());
      }
    }
  }

  private void applyOp(Op op) throws IOException, ProtocolException {
    if (batchSeq == 0 || putOp != null) {
      throw new ProtocolException("op " + op.getClass().getSimpleName() + " outside a batch or inside a file");
    }
    batchListener.opApplied(op);
    if (BatchMerge.touchesMaintenance(op)) {
      batchTouchesMaintenance = true;
    }
    try {
      if (op instanceof Op.PutFile put) {
        putOp = put;
        if (put.isPatch()) {
          // In a merged unit the basis may be a put of an earlier batch still waiting for its
          // fsync: install it first, so that the patch is checked against what it was made for.
          applier.installPending();
          kept.verifyBasis(put);
        }
        sink = applier.beginPut(put);
        return;
      }
      applier.apply(op);
      indexDirty = true;
      kept.applied(op);
    } catch (ApplyException e) {
      failures.add(failure(e));
      status.recordFailure(e.path(), e.getMessage());
      if (op instanceof Op.PutFile) {
        sink = null; // keep consuming its content frames
      }
    }
  }

  private void sendManifest(Channel ch) throws IOException {
    status.rescans().record("manifest");
    // The list must be of what the disk holds, not of what the index last saw.
    kept.rescan();
    indexDirty = true;
    List<Entry> slice = new ArrayList<>();
    int bytes = 0;
    long count = 0;
    for (Entry e : index.entries()) {
      int size = 96 + e.path().length() * 3 + e.linkTarget().length() * 3;
      if (slice.size() == Protocol.MAX_MANIFEST_ENTRIES || bytes + size > Protocol.MAX_FRAME / 2) {
        ch.write(new Message.ManifestEntries(List.copyOf(slice)));
        slice.clear();
        bytes = 0;
      }
      slice.add(e);
      bytes += size;
      count++;
    }
    if (!slice.isEmpty()) {
      ch.write(new Message.ManifestEntries(List.copyOf(slice)));
    }
    ch.writeAndFlush(new Message.ManifestEnd(count, index.digest()));
  }

  private void requirePut(String what) throws ProtocolException {
    if (putOp == null) {
      throw new ProtocolException(what + " without an open PUT");
    }
  }

  private void failPut(ApplyException e) {
    failures.add(failure(e));
    status.recordFailure(e.path(), e.getMessage());
    if (sink != null) {
      sink.abort();
    }
    sink = null;
  }

  private static Message.Failure failure(ApplyException e) {
    String path = e.path() == null ? "" : e.path();
    String reason = e.getMessage();
    if (reason.length() > 1000) {
      reason = reason.substring(0, 1000);
    }
    return new Message.Failure(path, reason);
  }

  private void resetConnectionState() {
    if (sink != null) {
      sink.abort();
    }
    sink = null;
    putOp = null;
    boolean synced = false;
    if (batchSeq != 0 || unitOpen) {
      // An interrupted batch (connection lost, or a frame refused): the ops applied before the
      // interruption stay, each whole (temp file, fsync, rename), and are made durable; the open
      // file's temp was deleted above. The batch is neither recorded nor acknowledged, so the next
      // master sends it again from its start (docs/protocol.md, "A refused frame fails its batch").
      if (batchSeq != 0) {
        log.info("batch={} interrupted before its end: not recorded as applied, the master sends it again", batchSeq);
      }
      // Installs the unit's verified puts too. A put of a whole merged batch that fails now is
      // reported with the last whole batch's ack (below), never dropped with the interrupted one.
      failures.clear();
      try {
        applier.abandonSwaps(); // half-built new versions are dropped, the live ones stay
        applier.endBatch(unitSeq);
        synced = true;
      } catch (ApplyException e) {
        log.warn("closing an interrupted batch {}: {}", batchSeq, e.getMessage());
      }
      if (unitOpen && !deferred.isEmpty() && !failures.isEmpty()) {
        DeferredAck last = deferred.remove(deferred.size() - 1);
        List<Message.Failure> all = new ArrayList<>(last.failures());
        all.addAll(failures.list());
        deferred.add(new DeferredAck(last.seq(), List.copyOf(all.subList(0, Math.min(all.size(), Protocol.MAX_FAILURES)))));
      }
    }
    batchSeq = 0;
    unitOpen = false;
    if (!deferred.isEmpty()) {
      // Whole batches of the group were applied: make them durable and record them, so that the
      // next master resumes after them (the acks are tried; the connection may be gone).
      try {
        if (!synced) {
          applier.syncDirectories();
        }
        state.write("lastAppliedSeq", deferred.get(deferred.size() - 1).seq());
        acknowledgeDeferred(current);
      } catch (ApplyException | IOException e) {
        log.warn("batches {}..{} applied but not recorded as durable ({}): the master sends them again", deferred.get(0).seq(),
            deferred.get(deferred.size() - 1).seq(), e.getMessage());
        deferred.clear();
      }
    }
  }

  /** A batch applied, its directory fsyncs left to the end of its group: not acknowledged yet. */
  private record DeferredAck(long seq, List<Message.Failure> failures) {}

  /**
   * Group commit: true when this batch's directory fsyncs and state write can wait for the next
   * batch, because that batch is already queued (the master is ahead of us). Bounded: at most
   * {@link #MAX_GROUP} batches and {@link #MAX_GROUP_NANOS}, so an ack is never held long. On a
   * slave behind by many small batches the fixed cost per batch (directory fsyncs, the state
   * file's two fsyncs) was most of the time: the fault suite's 5 % loss burst (2,000 files in
   * 650 batches) took 20 s to drain.
   */
  private boolean joinsGroup(Channel ch) {
    if (deferred.size() + 1 >= MAX_GROUP || (!deferred.isEmpty() && System.nanoTime() - groupStartNanos > MAX_GROUP_NANOS)) {
      return false;
    }
    Work next = queue.peek();
    return next != null && next.channel() == ch && next.message() instanceof Message.BatchBegin;
  }

  private void acknowledgeDeferred(Channel ch) {
    for (DeferredAck d : deferred) {
      acknowledge(ch, d.seq(), d.failures());
    }
    deferred.clear();
  }

  private void acknowledge(Channel ch, long seq, List<Message.Failure> batchFailures) {
    status.batchApplied(seq, batchFailures);
    if (ch != null && !Rejection.isMarked(ch)) {
      // Never after an ERROR frame: a refused connection learns of the batch from the next
      // HELLO_REPLY's lastAppliedSeq.
      ch.writeAndFlush(FrameWriter.fitAck(seq, System.currentTimeMillis(), batchFailures));
    }
    batchListener.batchAcked(seq); // hooks run after the ack, never on this thread
  }

  private void maybeSaveIndex(boolean force) {
    if (!indexDirty || (!force && System.nanoTime() - lastIndexSave < TimeUnit.SECONDS.toNanos(30))) {
      return;
    }
    try {
      index.save(indexFile);
      indexDirty = false;
      lastIndexSave = System.nanoTime();
    } catch (IOException e) {
      log.warn("cannot save the index to {}: {} (a restart will rescan)", indexFile, e.toString());
    }
  }

  /** Installs of puts, reported by the applier in commit order (at once, or later in parallel sync). */
  private final class InstallEvents implements ApplyListener {
    @Override
    public void applied(Op op, long bytes) {
      if (!(op instanceof Op.PutFile put)) {
        return;
      }
      Long hash = pendingHashes.pollFirst();
      try {
        // A put routed into a swap's staging copy names the copy: never index it (the swapped
        // root is indexed again after the exchange; a copy that is not exchanged is removed).
        if (hash != null && !DirectorySwap.isUnderStaging(put.path()) && kept.installed(put.path(), hash)) {
          indexDirty = true;
        }
      } catch (IOException e) {
        log.warn("path=\"{}\" installed but cannot be read back: {}", put.path(), e.toString());
      }
      status.fileApplied(bytes);
    }

    @Override
    public void putFailed(Op.PutFile op, ApplyException error) {
      pendingHashes.pollFirst();
      failures.add(failure(error));
      status.recordFailure(error.path(), error.getMessage());
    }

    @Override
    public void directorySwapped(String root) {
      status.directorySwapped();
      log.debug("event=directory-swapped path=\"{}\"", root);
    }

    @Override
    public void swapUnavailable(String why) {
      status.swapUnavailable(why);
      log.warn("event=directory-swap-unavailable reason=\"{}\" action=\"plugin and theme updates are applied file by file;"
          + " a reader may see a mix of versions (keep .maintenance on during updates)\"", why);
    }

    @Override
    public void swapSkipped(String root, String why) {
      log.warn("event=directory-swap-skipped path=\"{}\" reason=\"{}\" action=\"this update of it is applied file by file\"", root, why);
    }

    @Override
    public void leftoverSwapStagingRemoved(String path) {
      log.info("event=swap-leftover-removed path=\"{}\" reason=\"a directory swap's staging copy left by a crash; that batch is sent again\"", path);
    }

    @Override
    public void leftoverTempFilesRemoved(int count) {
      if (count > 0) {
        log.info("event=temp-cleaned files={}", count);
      }
    }
  }
}
