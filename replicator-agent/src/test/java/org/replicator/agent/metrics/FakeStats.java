package org.replicator.agent.metrics;

import java.util.List;
import org.replicator.agent.stats.ErrorCounts;
import org.replicator.agent.stats.ErrorKind;
import org.replicator.agent.stats.MasterStats;
import org.replicator.agent.stats.RescanCounts;
import org.replicator.agent.stats.SlaveLagView;
import org.replicator.agent.stats.SlaveStats;
import org.replicator.core.health.Verdict;

/** Fixed figures for a master with one slave, and for a slave: what the meters must show. */
final class FakeStats {
  private FakeStats() {}

  static final class Master implements MasterStats {
    final ErrorCounts errors = new ErrorCounts();
    final RescanCounts rescans = new RescanCounts();

    Master() {
      errors.add(ErrorKind.CONNECTION, 3);
      rescans.record("overflow");
    }

    @Override
    public List<SlaveLagView> slaveViews() {
      return List.of(new Lag());
    }

    @Override
    public RescanCounts rescans() {
      return rescans;
    }

    @Override
    public ErrorCounts errors() {
      return errors;
    }

    @Override
    public boolean isHeld() {
      return true;
    }

    @Override
    public long pendingPaths() {
      return 4;
    }

    @Override
    public long journalBytes() {
      return 65536;
    }

    @Override
    public long journalSegments() {
      return 2;
    }

    @Override
    public long scanHashedBytes() {
      return 1000;
    }

    @Override
    public java.time.Instant tlsCertificateNotAfter() {
      return java.time.Instant.parse("2027-03-01T12:00:00Z");
    }
  }

  static final class Lag implements SlaveLagView {
    @Override
    public String name() {
      return "web2";
    }

    @Override
    public boolean connected() {
      return true;
    }

    @Override
    public double lagSeconds(long nowMillis) {
      return 2.5;
    }

    @Override
    public long lagBatches() {
      return 3;
    }

    @Override
    public long lagBytes() {
      return 4096;
    }

    @Override
    public long lastAppliedAtMillis() {
      return 1_767_225_600_000L;
    }

    @Override
    public long lastAckedSeq() {
      return 41;
    }

    @Override
    public long journalBacklog() {
      return 7;
    }

    @Override
    public long queuedBytes() {
      return 2048;
    }

    @Override
    public long sentBytes() {
      return 10;
    }

    @Override
    public long receivedBytes() {
      return 20;
    }

    @Override
    public long driftedPaths() {
      return 3;
    }

    @Override
    public long catchUps() {
      return 2;
    }

    @Override
    public long patchedFiles() {
      return 5;
    }

    @Override
    public long patchLiteralBytes() {
      return 4096;
    }
  }

  static final class Slave implements SlaveStats {
    final ErrorCounts errors = new ErrorCounts();
    final RescanCounts rescans = new RescanCounts();

    Slave() {
      errors.add(ErrorKind.APPLY);
    }

    @Override
    public Health health() {
      return new Health(Verdict.DRAIN, "batch 9 received 12.0 s ago, not applied yet", 12.0, 1, true);
    }

    @Override
    public long lastAppliedAtMillis() {
      return 1_767_225_600_500L;
    }

    @Override
    public long lastAppliedSeq() {
      return 8;
    }

    @Override
    public long appliedFiles() {
      return 5;
    }

    @Override
    public long appliedBytes() {
      return 5000;
    }

    @Override
    public ErrorCounts errors() {
      return errors;
    }

    @Override
    public RescanCounts rescans() {
      return rescans;
    }

    @Override
    public long sentBytes() {
      return 1;
    }

    @Override
    public long receivedBytes() {
      return 2;
    }

    @Override
    public long hookRuns() {
      return 9;
    }

    @Override
    public long hookFailures() {
      return 3;
    }
  }
}
