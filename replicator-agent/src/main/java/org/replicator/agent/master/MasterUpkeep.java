package org.replicator.agent.master;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.replicator.agent.journal.Journal;
import org.replicator.agent.lifecycle.IndexFiles;
import org.replicator.agent.lifecycle.StateFile;
import org.replicator.core.index.Index;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's housekeeping on the planner thread: persists the index and the batch counter now
 * and then (and at stop), each slave's acknowledged position, and prunes the journal segments
 * every slave has or that retention drops. Owns when each was last done; not thread-safe (the
 * planner thread only).
 */
final class MasterUpkeep {
  private static final Logger log = LoggerFactory.getLogger(MasterAgent.class);
  private static final long SAVE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(60);
  private static final long JOURNAL_UPKEEP_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Path stateDir;
  private final Journal journal;
  /** The master's live list of links (copy-on-write: iterated while a reload changes it). */
  private final List<SlaveLink> links;
  private long lastSave = System.nanoTime();
  private long savedSeq = -1;
  private long lastJournalUpkeep;

  MasterUpkeep(Path stateDir, Journal journal, List<SlaveLink> links) {
    this.stateDir = stateDir;
    this.journal = journal;
    this.links = links;
  }

  /**
   * At most once a second (after each batch and when idle): persists each slave's acknowledged
   * position and deletes the journal segments every slave has or that retention drops.
   */
  void maintainJournal(boolean force) {
    if (!force && System.nanoTime() - lastJournalUpkeep < JOURNAL_UPKEEP_NANOS) {
      return;
    }
    lastJournalUpkeep = System.nanoTime();
    List<String> names = new ArrayList<>();
    try {
      for (SlaveLink link : links) {
        names.add(link.name());
        long acked = link.stats().lastAckedSeq();
        if (acked > 0) {
          journal.acknowledged(link.name(), acked);
        }
      }
      journal.prune(names, System.currentTimeMillis());
    } catch (IOException e) {
      log.warn("journal={} upkeep failed: {} (retried in a second)", journal.dir(), e.toString());
    }
  }

  /** Persists the index and the batch counter now and then, and at stop. */
  void maybeSaveState(Index idx, long seq, boolean force) {
    maintainJournal(force);
    if (!force && (seq == savedSeq || System.nanoTime() - lastSave < SAVE_EVERY_NANOS)) {
      return;
    }
    try {
      idx.save(IndexFiles.of(stateDir));
      new StateFile(stateDir.resolve("master.state")).write("seq", seq);
      savedSeq = seq;
      lastSave = System.nanoTime();
    } catch (IOException e) {
      log.warn("cannot save state in {}: {} (a restart rescans)", stateDir, e.toString());
      lastSave = System.nanoTime();
    }
  }
}
