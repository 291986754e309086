package org.replicator.core.wire;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.replicator.core.index.Entry;
import org.replicator.core.op.Op;

/**
 * One frame's worth of meaning. Constructors check the invariants that hold whatever the byte
 * encoding (ranges, counts, nulls). Byte lengths of strings are checked by the writer and the
 * reader, and paths by the reader only ({@link org.replicator.core.path.RelPath}): that is where
 * they come from an untrusted peer, while locally built ops were validated by their producer.
 *
 * <p>Direction and order are in {@code docs/protocol.md}.
 */
public sealed interface Message
    permits Message.Hello,
        Message.HelloReply,
        Message.ManifestRequest,
        Message.ManifestEntries,
        Message.ManifestEnd,
        Message.BatchBegin,
        Message.OpMessage,
        Message.Data,
        Message.Zeros,
        Message.Copy,
        Message.PutEnd,
        Message.PutAbort,
        Message.BatchEnd,
        Message.Ack,
        Message.ErrorMessage,
        Message.Ping,
        Message.Pong,
        Message.Handover {

  FrameType type();

  /** The epoch of a HELLO or HELLO_REPLY whose version carries none (before {@link Protocol#MINOR_EPOCH}). */
  long NO_EPOCH = -1;

  /** Carries an epoch (≥ 0) exactly when the version has the field; {@link #NO_EPOCH} otherwise. */
  private static void requireEpoch(int major, int minor, long epoch) {
    if (Protocol.hasEpoch(major, minor) ? epoch < 0 : epoch != NO_EPOCH) {
      throw new IllegalArgumentException("epoch " + epoch + " for protocol " + major + "." + minor
          + (Protocol.hasEpoch(major, minor) ? ": must be 0 or more" : ": this version has no epoch field"));
    }
  }

  /**
   * Master → slave, the first frame of a connection. {@code epoch} is the epoch at which {@code
   * fromNode} is master: on the wire from minor {@link Protocol#MINOR_EPOCH}, {@link #NO_EPOCH} when
   * an older peer sent it.
   */
  record Hello(
      int major,
      int minor,
      String cluster,
      String fromNode,
      String toNode,
      long configHash,
      boolean replicateOwners,
      long epoch)
      implements Message {
    public Hello {
      requireU16("major", major);
      requireU16("minor", minor);
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(fromNode, "fromNode");
      Objects.requireNonNull(toNode, "toNode");
      requireEpoch(major, minor, epoch);
    }

    /** A HELLO of a version before epochs (tests that play an older master). */
    public Hello(int major, int minor, String cluster, String fromNode, String toNode, long configHash, boolean replicateOwners) {
      this(major, minor, cluster, fromNode, toNode, configHash, replicateOwners, NO_EPOCH);
    }

    @Override
    public FrameType type() {
      return FrameType.HELLO;
    }
  }

  /**
   * Slave → master, the answer to {@link Hello}; {@code reason} is empty when accepted. {@code
   * epoch} and {@code master} are the highest epoch the slave has seen and that epoch's master (from
   * minor {@link Protocol#MINOR_EPOCH}; {@link #NO_EPOCH} and "" before): a master learns from a
   * refusal that it was superseded.
   */
  record HelloReply(
      int major,
      int minor,
      String node,
      long configHash,
      long lastAppliedSeq,
      long treeDigest,
      boolean accepted,
      String reason,
      long epoch,
      String master)
      implements Message {
    public HelloReply {
      requireU16("major", major);
      requireU16("minor", minor);
      Objects.requireNonNull(node, "node");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(master, "master");
      if (lastAppliedSeq < 0) {
        throw new IllegalArgumentException("lastAppliedSeq " + lastAppliedSeq + " is negative");
      }
      requireEpoch(major, minor, epoch);
    }

    /** A HELLO_REPLY of a version before epochs (tests that play an older slave). */
    public HelloReply(int major, int minor, String node, long configHash, long lastAppliedSeq, long treeDigest, boolean accepted, String reason) {
      this(major, minor, node, configHash, lastAppliedSeq, treeDigest, accepted, reason, NO_EPOCH, "");
    }

    @Override
    public FrameType type() {
      return FrameType.HELLO_REPLY;
    }
  }

  /** Master → slave: send me your entries (catch-up and anti-entropy). */
  record ManifestRequest() implements Message {
    @Override
    public FrameType type() {
      return FrameType.MANIFEST_REQUEST;
    }
  }

  /** Slave → master: one slice of the slave's manifest; see {@link FrameWriter#splitManifest}. */
  record ManifestEntries(List<Entry> entries) implements Message {
    public ManifestEntries {
      entries = List.copyOf(entries);
      if (entries.size() > Protocol.MAX_MANIFEST_ENTRIES) {
        throw new IllegalArgumentException(
            entries.size() + " manifest entries, limit " + Protocol.MAX_MANIFEST_ENTRIES);
      }
    }

    @Override
    public FrameType type() {
      return FrameType.MANIFEST_ENTRIES;
    }
  }

  /** Slave → master: the manifest is complete; {@code count} entries were sent in all. */
  record ManifestEnd(long count, long treeDigest) implements Message {
    public ManifestEnd {
      if (count < 0) {
        throw new IllegalArgumentException("manifest count " + count + " is negative");
      }
    }

    @Override
    public FrameType type() {
      return FrameType.MANIFEST_END;
    }
  }

  /** Master → slave: batch {@code seq} starts; {@code opCount} ops follow. */
  record BatchBegin(long seq, long createdAtMillis, int opCount) implements Message {
    public BatchBegin {
      requireSeq(seq);
      if (opCount < 0) {
        throw new IllegalArgumentException("opCount " + opCount + " is negative");
      }
    }

    @Override
    public FrameType type() {
      return FrameType.BATCH_BEGIN;
    }
  }

  /** Master → slave: one op of the current batch; a PutFile is followed by its content. */
  record OpMessage(Op op) implements Message {
    public OpMessage {
      Objects.requireNonNull(op, "op");
    }

    @Override
    public FrameType type() {
      return FrameType.OP;
    }
  }

  /**
   * Master → slave: a chunk of the current file's content. The array is owned by the message
   * once constructed (not copied: chunks are large and on the hot path); do not change it.
   */
  record Data(byte[] bytes) implements Message {
    public Data {
      if (bytes.length < 1 || bytes.length > Protocol.MAX_DATA_CHUNK) {
        throw new IllegalArgumentException(
            "data chunk of " + bytes.length + " bytes, must be 1.." + Protocol.MAX_DATA_CHUNK);
      }
    }

    @Override
    public FrameType type() {
      return FrameType.DATA;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Data other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    /** Never the content: it may be a wp-config.php with database passwords. */
    @Override
    public String toString() {
      return "Data[length=" + bytes.length + "]";
    }
  }

  /** Master → slave: {@code length} zero bytes of the current file (a hole of a sparse file). */
  record Zeros(long length) implements Message {
    public Zeros {
      if (length < 1 || length > Protocol.MAX_FILE_SIZE) {
        throw new IllegalArgumentException(
            "zero run of " + length + " bytes, must be 1.." + Protocol.MAX_FILE_SIZE);
      }
    }

    @Override
    public FrameType type() {
      return FrameType.ZEROS;
    }
  }

  /**
   * Master → slave: the next {@code length} bytes of the current patched file are the basis's
   * bytes at {@code offset}. Only inside a PutFile with a basis; the applier checks the range
   * against the basis it opened.
   */
  record Copy(long offset, long length) implements Message {
    public Copy {
      if (offset < 0 || offset > Protocol.MAX_FILE_SIZE || length < 1 || length > Protocol.MAX_FILE_SIZE) {
        throw new IllegalArgumentException(
            "copy of " + length + " bytes at " + offset + ": offset must be 0.." + Protocol.MAX_FILE_SIZE
                + ", length 1.." + Protocol.MAX_FILE_SIZE);
      }
    }

    @Override
    public FrameType type() {
      return FrameType.COPY;
    }
  }

  /** Master → slave: the current file's content is complete; {@code hash} is its ContentHasher hash. */
  record PutEnd(long hash) implements Message {
    @Override
    public FrameType type() {
      return FrameType.PUT_END;
    }
  }

  /** Master → slave: the master could not read the file; discard the temp file, keep the old one. */
  record PutAbort(String reason) implements Message {
    public PutAbort {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public FrameType type() {
      return FrameType.PUT_ABORT;
    }
  }

  /** Master → slave: batch {@code seq} is complete; the slave persists it, then acks. */
  record BatchEnd(long seq) implements Message {
    public BatchEnd {
      requireSeq(seq);
    }

    @Override
    public FrameType type() {
      return FrameType.BATCH_END;
    }
  }

  /** Slave → master: batch {@code seq} is persisted; {@code failures} lists paths not applied. */
  record Ack(long seq, long appliedAtMillis, List<Failure> failures) implements Message {
    public Ack {
      requireSeq(seq);
      failures = List.copyOf(failures);
      if (failures.size() > Protocol.MAX_FAILURES) {
        throw new IllegalArgumentException(
            failures.size() + " failures in one ack, limit " + Protocol.MAX_FAILURES);
      }
    }

    @Override
    public FrameType type() {
      return FrameType.ACK;
    }
  }

  /** One path the slave could not apply, in an {@link Ack}; {@code path} is "" for a batch-wide failure. */
  record Failure(String path, String reason) {
    public Failure {
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Either direction: the sender closes the connection after this frame. */
  record ErrorMessage(int code, String message) implements Message {
    public ErrorMessage {
      requireU16("code", code);
      Objects.requireNonNull(message, "message");
    }

    public ErrorMessage(ErrorCode code, String message) {
      this(code.wire(), message);
    }

    /** Empty when a newer peer sent a code this version does not know. */
    public Optional<ErrorCode> errorCode() {
      return ErrorCode.ofWire(code);
    }

    @Override
    public FrameType type() {
      return FrameType.ERROR;
    }
  }

  /** Either direction: liveness probe; the peer answers with a {@link Pong} of the same value. */
  record Ping(long nanos) implements Message {
    @Override
    public FrameType type() {
      return FrameType.PING;
    }
  }

  record Pong(long nanos) implements Message {
    @Override
    public FrameType type() {
      return FrameType.PONG;
    }
  }

  /**
   * A planned change of master at {@code epoch}, to {@code master} (minor 2): asked for by the slave
   * to be promoted, granted by the master after draining (docs/protocol.md, "Handover").
   */
  record Handover(long epoch, String master) implements Message {
    public Handover {
      Objects.requireNonNull(master, "master");
      if (epoch < 1) {
        throw new IllegalArgumentException("handover epoch " + epoch + " must be 1 or more (epoch 0 is the cluster file's)");
      }
    }

    @Override
    public FrameType type() {
      return FrameType.HANDOVER;
    }
  }

  private static void requireSeq(long seq) {
    if (seq <= 0) {
      throw new IllegalArgumentException("batch seq " + seq + " must be positive");
    }
  }

  private static void requireU16(String field, int value) {
    if (value < 0 || value > 0xffff) {
      throw new IllegalArgumentException(field + " " + value + " does not fit in 16 bits");
    }
  }
}
