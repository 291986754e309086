package org.replicator.agent.master;

import io.netty.channel.Channel;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.replicator.core.op.Op;
import org.replicator.core.plan.Chunk;
import org.replicator.core.plan.Content;
import org.replicator.core.plan.ContentChunker;
import org.replicator.core.plan.PlannedOp;
import io.netty.buffer.Unpooled;
import org.replicator.core.wire.FrameWriter;
import org.replicator.core.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one planned batch as frames on a slave's connection, from that link's sender thread. Waits
 * for writability before every frame, so at most the channel's high-water mark (4 MiB) of this
 * slave's data is ever buffered, whatever the file sizes. A file streamed from disk that no longer
 * has the planned hash is aborted (the slave keeps its old version) and a later batch or a
 * catch-up brings the new one.
 */
final class BatchWriter {
  private static final Logger log = LoggerFactory.getLogger(BatchWriter.class);

  private final Path docroot;
  private final SlaveLink link;

  BatchWriter(Path docroot, SlaveLink link) {
    this.docroot = docroot;
    this.link = link;
  }

  void write(Channel ch, PlannedBatch batch) throws IOException, InterruptedException {
    send(ch, new Message.BatchBegin(batch.seq(), batch.createdAtMillis(), batch.ops().size()));
    for (PlannedOp planned : batch.ops()) {
      send(ch, new Message.OpMessage(planned.op()));
      if (planned.op() instanceof Op.PutFile put) {
        streamContent(ch, put, planned.content());
      }
    }
    ch.writeAndFlush(new Message.BatchEnd(batch.seq()));
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
      link.contentAborted();
      send(ch, new Message.PutAbort(abort));
    } else {
      send(ch, new Message.PutEnd(hash));
    }
  }

  private void send(Channel ch, Message m) throws IOException, InterruptedException {
    if (!ch.isWritable()) {
      ch.flush();
      link.awaitWritable(ch);
    }
    if (!ch.isActive()) {
      throw new IOException("connection lost while sending");
    }
    // Encoded here, as a ByteBuf: Netty counts a pending write of an unknown message type as 8
    // bytes, so writability (our backpressure) would never see a 256 KiB Data frame coming.
    ch.write(Unpooled.wrappedBuffer(FrameWriter.encode(m)), ch.voidPromise());
  }
}
