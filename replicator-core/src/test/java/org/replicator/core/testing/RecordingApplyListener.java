package org.replicator.core.testing;

import java.util.ArrayList;
import java.util.List;
import org.replicator.core.apply.ApplyListener;
import org.replicator.core.op.Op;

/** Records what an {@link org.replicator.core.apply.Applier} reports, as readable lines. */
public final class RecordingApplyListener implements ApplyListener {
  private final List<String> events = new ArrayList<>();
  private int leftovers = -1;
  private int lastSynced = -1;

  @Override
  public void leftoverTempFilesRemoved(int count) {
    leftovers = count;
    events.add("leftovers " + count);
  }

  @Override
  public void applied(Op op, long bytes) {
    events.add("applied " + op.getClass().getSimpleName() + " " + op.path() + " " + bytes);
  }

  @Override
  public void putFailed(Op.PutFile op, org.replicator.core.apply.ApplyException error) {
    events.add("putFailed " + op.path() + " " + error.kind());
  }

  @Override
  public void deleteSkipped(String path) {
    events.add("deleteSkipped " + path);
  }

  @Override
  public void parentCreated(String path) {
    events.add("parentCreated " + path);
  }

  @Override
  public void batchEnded(long seq, int directoriesSynced) {
    lastSynced = directoriesSynced;
    events.add("batchEnded " + seq);
  }

  public List<String> events() {
    return events;
  }

  /** The count of the last {@code start()}, or -1 before any. */
  public int leftovers() {
    return leftovers;
  }

  /** Directories fsync'd by the last batch, or -1 before any. */
  public int lastSynced() {
    return lastSynced;
  }
}
