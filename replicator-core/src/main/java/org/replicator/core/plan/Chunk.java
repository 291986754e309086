package org.replicator.core.plan;

/** A piece of a file's content as it travels: literal bytes, or a run of zeros (a hole). */
public sealed interface Chunk permits Chunk.Data, Chunk.Zeros {
  record Data(byte[] bytes) implements Chunk {}

  record Zeros(long length) implements Chunk {}
}
