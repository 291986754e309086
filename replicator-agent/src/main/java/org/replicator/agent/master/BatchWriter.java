package org.replicator.agent.master;

import io.netty.channel.Channel;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.replicator.core.delta.DeltaBuilder;
import org.replicator.core.delta.DeltaSink;
import org.replicator.core.delta.Signature;
import org.replicator.core.delta.SignedDelta;
import org.replicator.core.delta.ZeroPages;
import org.replicator.core.op.Op;
import org.replicator.core.plan.Chunk;
import org.replicator.core.plan.Content;
import org.replicator.core.plan.ContentChunker;
import org.replicator.core.plan.Deltas;
import org.replicator.core.plan.PlannedOp;
import org.replicator.core.wire.FrameWriter;
import org.replicator.core.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one planned batch as frames on a slave's connection, from that link's sender thread. Waits
 * for writability before every frame, so at most the channel's high-water mark (4 MiB) of this
 * slave's data, plus the 64 KiB its {@link FrameCoalescer} gathers, is ever buffered, whatever the
 * file sizes. Small frames go out gathered, the batch's last one flushed with them. A file streamed from disk that no longer
 * has the planned hash is aborted (the slave keeps its old version) and a later batch or a
 * catch-up brings the new one.
 */
final class BatchWriter {
  private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);

  /**
   * What the writer tells its link, from the sender thread: the narrow way back up (the writer
   * never holds the link itself).
   */
  interface Listener {
    String name();

    /** Whether the slave's protocol has patches (set at each handshake). */
    boolean speaksPatches();

    /** A streamed file changed under us or could not be read; see {@link SlaveFeed#contentAborted}. */
    void contentAborted(boolean unreadable);

    /** Waits until the socket drains below its high-water mark; throws when the connection is lost. */
    void awaitWritable(Channel ch) throws InterruptedException, IOException;
  }

  private final Path docroot;
  private final Listener link;
  private final FrameCoalescer frames = new FrameCoalescer();
  private final Deltas deltas;
  /** Patches sent, the sizes of the files they rebuilt and the new data they carried (status, metrics). */
  private final AtomicLong patches = new AtomicLong();
  private final AtomicLong patchedBytes = new AtomicLong();
  private final AtomicLong patchLiteralBytes = new AtomicLong();

  BatchWriter(Path docroot, Listener link, Deltas deltas) {
    this.docroot = docroot;
    this.link = link;
    this.deltas = deltas;
  }

  void write(Channel ch, PlannedBatch batch) throws IOException, InterruptedException {
    write(ch, batch, null);
  }

  /** As above; {@code progress}, when not null, counts each op as it goes out (resync). */
  void write(Channel ch, PlannedBatch batch, TreeCheck progress) throws IOException, InterruptedException {
    // What an earlier write left gathered belongs to a connection that failed during it.
    frames.discard();
    send(ch, new Message.BatchBegin(batch.seq(), batch.createdAtMillis(), batch.ops().size()));
    for (PlannedOp planned : batch.ops()) {
      if (progress != null) {
        progress.sent(planned);
      }
      if (planned.op() instanceof Op.PutFile put) {
        Signature basis = put.isPatch() && link.speaksPatches() ? deltas.signatureOf(put.basis().hash()) : null;
        if (basis == null || basis.fileSize() != put.basis().size()) {
          put = put.whole(); // an older slave, or the signature is gone: the file travels whole
        }
        send(ch, new Message.OpMessage(put));
        if (put.isPatch()) {
          streamPatch(ch, put, planned.content(), basis);
        } else {
          streamContent(ch, put, planned.content());
        }
      } else {
        send(ch, new Message.OpMessage(planned.op()));
      }
    }
    send(ch, new Message.BatchEnd(batch.seq()));
    frames.emit(ch);
    ch.flush();
  }

  /**
   * Streams a patch computed here: COPY frames for what the slave's version already holds, DATA
   * frames for the rest. When the planner's signature of the new version is still stored (it
   * signed it in the read that hashed it) and has the basis's block size, the two signatures
   * settle the unchanged blocks and only the others are read ({@link SignedDelta}: every byte read
   * is checked against the planned version). Otherwise the whole file is read and hashed like a
   * whole-file send. Either way a file that changed since it was planned is aborted.
   */
  private void streamPatch(Channel ch, Op.PutFile put, Content content, Signature basis) throws IOException, InterruptedException {
    String abort = null;
    long hash = 0;
    DeltaBuilder.Result result = null;
    Signature planned = deltas.signatureOf(content.hash());
    try (FileChannel file = FileChannel.open(docroot.resolve(put.path()), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      DeltaSink sink = new DeltaSink() {
        @Override
        public void copy(long basisOffset, long length) throws IOException {
          sendUnchecked(ch, new Message.Copy(basisOffset, length));
        }

        @Override
        public void literal(byte[] b, int off, int len) throws IOException {
          // All-zero pages travel as ZEROS, so that holes stay holes on the slave (as in a whole put).
          ZeroPages.split(b, off, len, new ZeroPages.Sink() {
            @Override
            public void data(byte[] bytes, int o, int l) throws IOException {
              sendUnchecked(ch, new Message.Data(Arrays.copyOfRange(bytes, o, o + l)));
            }

            @Override
            public void zeros(long length) throws IOException {
              sendUnchecked(ch, new Message.Zeros(length));
            }
          });
        }
      };
      DeltaBuilder builder = new DeltaBuilder(basis);
      result = planned != null && planned.fileSize() == put.size() && SignedDelta.applies(basis, planned)
          ? new SignedDelta(builder, planned).build(file::read, sink)
          : builder.build(file, put.size(), sink, false);
      hash = result.hash();
      if (hash != content.hash()) {
        abort = "changed since it was planned";
      }
    } catch (NoSuchFileException e) {
      abort = "deleted since it was planned";
    } catch (SignedDelta.ChangedException e) {
      abort = "changed since it was planned";
    } catch (IOException e) {
      if (!ch.isActive() || e instanceof InterruptedIOException) {
        throw e;
      }
      abort = "unreadable: " + e.getMessage();
    }
    if (abort != null) {
      log.debug("slave={} path={} patch aborted: {}", link.name(), put.path(), abort);
      link.contentAborted(unreadable(abort));
      send(ch, new Message.PutAbort(abort));
    } else {
      patches.incrementAndGet();
      patchedBytes.addAndGet(put.size());
      patchLiteralBytes.addAndGet(result.literalBytes());
      send(ch, new Message.PutEnd(hash));
    }
  }

  /** {@link #send} for a callback that may only throw IOException. */
  private void sendUnchecked(Channel ch, Message m) throws IOException {
    try {
      send(ch, m);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while sending a patch");
    }
  }

  private void streamContent(Channel ch, Op.PutFile put, Content content) throws IOException, InterruptedException {
    String abort = null;
    long hash = 0;
    try (ContentChunker chunker = content instanceof Content.Inline inline
        ? ContentChunker.ofBytes(inline.bytes())
        : ContentChunker.ofFile(docroot.resolve(put.path()), put.size())) {
      Chunk chunk;
      while ((chunk = chunker.next()) != null) {
        if (chunk instanceof Chunk.Data d) {
          send(ch, new Message.Data(d.bytes()));
        } else {
          send(ch, new Message.Zeros(((Chunk.Zeros) chunk).length()));
        }
      }
      hash = chunker.hash();
      if (hash != content.hash()) {
        abort = "changed since it was planned";
      }
    } catch (NoSuchFileException e) {
      abort = "deleted since it was planned";
    } catch (IOException e) {
      if (!ch.isActive()) {
        throw e;
      }
      abort = "unreadable: " + e.getMessage();
    }
    if (abort != null) {
      log.debug("slave={} path={} aborted: {}", link.name(), put.path(), abort);
      link.contentAborted(unreadable(abort));
      send(ch, new Message.PutAbort(abort));
    } else {
      send(ch, new Message.PutEnd(hash));
    }
  }

  /** Whether an abort was a read failure, not the file having changed (grown or shrunk counts as changed). */
  private static boolean unreadable(String abort) {
    return abort.startsWith("unreadable") && !abort.contains("while being sent");
  }

  private void send(Channel ch, Message m) throws IOException, InterruptedException {
    if (!ch.isWritable()) {
      frames.emit(ch);
      ch.flush();
      link.awaitWritable(ch);
    }
    if (!ch.isActive()) {
      throw new IOException("connection lost while sending");
    }
    // Encoded here, as bytes: Netty counts a pending write of an unknown message type as 8
    // bytes, so writability (our backpressure) would never see a 256 KiB Data frame coming.
    frames.add(ch, FrameWriter.encodeBuffer(m));
  }

  /** Files sent as patches against the version the slave held. */
  long patchedFiles() {
    return patches.get();
  }

  /** Sizes of the files those patches rebuilt. */
  long patchedBytes() {
    return patchedBytes.get();
  }

  /** New data those patches carried (the rest was copied on the slave from its own version). */
  long patchLiteralBytes() {
    return patchLiteralBytes.get();
  }
}
