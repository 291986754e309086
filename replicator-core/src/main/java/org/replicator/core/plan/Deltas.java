package org.replicator.core.plan;

import java.io.IOException;
import org.replicator.core.delta.Signature;
import org.replicator.core.delta.SignatureStore;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.op.Op;

/**
 * Which puts travel as patches, and the signatures that make that possible: a file of at least
 * {@code minBytes} is signed when its version is planned, and its next change is sent as a patch
 * against that version when the signature is still stored. Below the threshold a whole file is
 * cheaper than bookkeeping (it is one or a few DATA frames anyway). Thread safe (the store is).
 */
public final class Deltas {
  /** No patches, no signatures. */
  public static final Deltas OFF = new Deltas(null, Long.MAX_VALUE);

  /** Default threshold: below 64 KiB a whole file costs at most a few frames. */
  public static final long DEFAULT_MIN_BYTES = 64 * 1024;

  private final SignatureStore store;
  private final long minBytes;

  public Deltas(SignatureStore store, long minBytes) {
    this.store = store;
    this.minBytes = minBytes;
  }

  /** True when a version of this size is signed as it is planned. */
  public boolean signs(long size) {
    return store != null && size >= minBytes;
  }

  /**
   * The basis for sending {@code wantSize} bytes to a node that holds {@code have}, or null for
   * a whole file: a regular file of another content whose signature is stored.
   */
  public Op.Basis basisFor(Entry have, long wantHash, long wantSize) {
    if (!signs(wantSize) || have == null || have.type() != EntryType.FILE || have.hash() == wantHash) {
      return null;
    }
    return store.contains(have.hash()) ? new Op.Basis(have.hash(), have.size()) : null;
  }

  /** True when the version with this hash is signed already (no need to read it to sign it). */
  public boolean hasSignature(long contentHash) {
    return store != null && store.contains(contentHash);
  }

  /** Keeps a new version's signature; failing to store it only costs a whole file next time. */
  public void remember(Signature signature) {
    if (store == null) {
      return;
    }
    try {
      store.put(signature);
    } catch (IOException e) {
      // A cache write (disk full, say): the next change of this file travels whole instead.
    }
  }

  /** The signature to compute a patch against, or null when it is gone: send the file whole. */
  public Signature signatureOf(long contentHash) {
    return store == null ? null : store.get(contentHash);
  }
}
