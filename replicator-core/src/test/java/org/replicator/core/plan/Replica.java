package org.replicator.core.plan;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.replicator.core.apply.Applier;
import org.replicator.core.apply.ApplierOptions;
import org.replicator.core.apply.ApplyListener;
import org.replicator.core.apply.FileSink;
import org.replicator.core.op.Op;

/**
 * A slave docroot driven by core's {@link Applier}: what a receiver does with a planned batch,
 * without the wire. {@link Content.OnDisk} is streamed from the master's docroot through
 * {@link ContentChunker}, as the sender does.
 */
final class Replica implements AutoCloseable {
  private final Path master;
  private final Applier applier;
  private long seq;

  Replica(Path master, Path slave) throws IOException {
    this.master = master;
    this.applier = new Applier(slave, new ApplierOptions(false, false, true), new ApplyListener() {});
    applier.start();
  }

  void apply(List<PlannedOp> ops) throws Exception {
    seq++;
    applier.beginBatch(seq);
    for (PlannedOp planned : ops) {
      if (planned.op() instanceof Op.PutFile put) {
        put(put, planned.content());
      } else {
        applier.apply(planned.op());
      }
    }
    applier.endBatch(seq);
  }

  private void put(Op.PutFile put, Content content) throws Exception {
    FileSink sink = applier.beginPut(put);
    try (ContentChunker chunker = content instanceof Content.Inline inline
        ? ContentChunker.ofBytes(inline.bytes())
        : ContentChunker.ofFile(master.resolve(put.path()), put.size())) {
      for (Chunk c = chunker.next(); c != null; c = chunker.next()) {
        if (c instanceof Chunk.Data data) {
          sink.write(ByteBuffer.wrap(data.bytes()));
        } else if (c instanceof Chunk.Zeros zeros) {
          sink.skipZeros(zeros.length());
        }
      }
      sink.commit(content.hash());
    } catch (Exception e) {
      sink.abort();
      throw e;
    }
  }

  @Override
  public void close() {
    applier.close();
  }
}
