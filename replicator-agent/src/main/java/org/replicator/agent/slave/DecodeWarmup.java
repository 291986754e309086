package org.replicator.agent.slave;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.wire.FrameReader;
import org.replicator.core.wire.FrameWriter;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes and hashes made-up batches of one small file each, in memory, once, on a thread of its
 * own right after a slave starts: the slave's first real batches then find the decoder's classes
 * loaded and initialised (LZ4 and its native library among them) and its methods compiled.
 *
 * <p>Why: a slave is most often restarted with a backlog (a journal replay of hundreds of batches
 * follows at once), and a fresh JVM decoded and hashed its first batches interpreted, with class
 * loading on the event loop: in a profile of bench/replay.sh (perf, 2026-12-08) the event loop was
 * busy with class loading and interpretation for the first ~200 ms of the replay while the apply
 * thread waited for frames, and the first 64 batches took 194 ms where the next 900 took 370 ms
 * (docs/benchmarks.md, "Issue 16, session 4: replay"). Done here, that work falls in the time
 * between the slave's start and the master's connection (the master's dial backs off).
 *
 * <p>What it does not do: touch a file, a socket, the index or the state. It only encodes frames
 * to arrays and decodes them back, and hashes their content; the apply path (file creation, fsync,
 * rename) is not warmed, since that would write to the docroot's file system. A failure is logged
 * at debug and ignored: it costs only the warm-up.
 */
final class DecodeWarmup {
  private static final Logger log = LoggerFactory.getLogger(DecodeWarmup.class);
  /**
   * Batches decoded: C1, the launcher's only compiler, compiles a method after about 200 calls
   * (Tier3InvocationThreshold), and each frame type's reader is called once per batch.
   */
  static final int BATCHES = 256;
  /** Frames per made-up batch: begin, put, data, put end, set-meta of its folder, end. */
  static final int FRAMES_PER_BATCH = 6;

  private static final Meta FILE = new Meta(0644, 1_700_000_000_000_000_000L, 33, 33);

  private DecodeWarmup() {}

  /** Starts the warm-up on a daemon thread and returns it. */
  static Thread start() {
    Thread t = new Thread(() -> {
      long t0 = System.nanoTime();
      try {
        int frames = run();
        log.debug("event=decode-warmup frames={} ms={}", frames, (System.nanoTime() - t0) / 1_000_000);
      } catch (ProtocolException | RuntimeException e) {
        log.debug("event=decode-warmup-failed reason=\"{}\"", e.toString());
      }
    }, "replicator-warmup");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** Encodes and decodes {@link #BATCHES} made-up batches; returns the frames decoded. */
  static int run() throws ProtocolException {
    FrameReader reader = new FrameReader();
    int[] decoded = {0};
    for (int i = 1; i <= BATCHES; i++) {
      // Half compressible (text: the LZ4 path), half not (the raw path), as a docroot's files are.
      byte[] content = i % 2 == 0 ? text(i) : noise(i);
      String folder = "d" + (i % 20);
      Message[] batch = {
        new Message.BatchBegin(i, 0, 2),
        new Message.OpMessage(new Op.PutFile(folder + "/f" + i + ".php", content.length, FILE)),
        new Message.Data(content),
        new Message.PutEnd(ContentHasher.of(content)),
        new Message.OpMessage(new Op.SetMeta(folder, new Meta(0755, FILE.mtimeNanos() + i, 33, 33))),
        new Message.BatchEnd(i)
      };
      for (Message m : batch) {
        reader.feed(ByteBuffer.wrap(FrameWriter.encode(m)), got -> decoded[0]++);
      }
    }
    return decoded[0];
  }

  private static byte[] text(int i) {
    return ("<?php echo 'file " + i + "'; ").repeat(20 + i % 80).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] noise(int i) {
    byte[] b = new byte[200 + (i * 37) % 3800];
    long x = 0x9E3779B97F4A7C15L * i;
    for (int k = 0; k < b.length; k++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      b[k] = (byte) x;
    }
    return b;
  }
}
