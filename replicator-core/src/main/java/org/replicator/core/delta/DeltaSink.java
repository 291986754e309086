package org.replicator.core.delta;

import java.io.IOException;

/** Receives a delta in target order from {@link DeltaBuilder}. */
public interface DeltaSink {
  /** The next {@code length} bytes of the target are the basis's bytes at {@code basisOffset}. */
  void copy(long basisOffset, long length) throws IOException;

  /**
   * The next {@code len} bytes of the target are these ({@code len} is at most {@link
   * DeltaBuilder#MAX_LITERAL}). The array is reused after the call returns: copy what you keep.
   */
  void literal(byte[] b, int off, int len) throws IOException;
}
