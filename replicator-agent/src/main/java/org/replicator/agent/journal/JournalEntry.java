package org.replicator.agent.journal;

import java.util.List;
import org.replicator.core.plan.PlannedOp;

/**
 * One planned batch as the journal keeps it: ops and content hashes, never file contents (a put's
 * content is {@link org.replicator.core.plan.Content.OnDisk}, read from the docroot when sent).
 */
public record JournalEntry(long seq, long createdAtMillis, long bytes, List<PlannedOp> ops) {}
