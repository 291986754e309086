package org.replicator.core.role;

import java.io.IOException;

/**
 * What a master or slave agent asks about the epoch, and nothing more: the narrow way from the
 * handshake code to whoever persists the epoch and moves roles. Implementations are thread-safe
 * (called on event loops and sender threads).
 */
public interface Fence {
  /** The highest epoch this node has seen. */
  Epoch current();

  /**
   * Slave side: judges a master's claim with {@link Fencing#judge}; an ADOPT verdict is persisted
   * before this returns.
   *
   * @throws IOException when a newer epoch could not be persisted (then it was not adopted)
   */
  Fencing.Verdict admit(Epoch claim) throws IOException;

  /**
   * Master side: slave {@code reporter} answered with an epoch newer than this master's. Whether
   * to step down is the implementation's decision (a slave's word alone is not proof).
   */
  void superseded(String reporter, Epoch claim);

  /**
   * Master side: slave {@code slave} asks for a planned handover at {@code next}. Default: refused
   * (nothing happens; the slave's promote times out and says so).
   */
  default void handoverRequested(String slave, Epoch next) {
    // A fixed fence moves nothing.
  }

  /** Slave side: master {@code from} drained and hands over: this node is master at {@code next}. */
  default void handedOver(String from, Epoch next) {
    // A fixed fence moves nothing.
  }

  /**
   * An epoch kept in memory only, starting at {@code epoch}: it judges and adopts like the agent's
   * persisted one but forgets on restart. For an agent started on its own (tests of one role);
   * the daemon's agents get agent.role.RoleHost's, which persists.
   */
  static Fence inMemory(Epoch epoch) {
    return new Fence() {
      private Epoch current = epoch;

      @Override
      public synchronized Epoch current() {
        return current;
      }

      @Override
      public synchronized Fencing.Verdict admit(Epoch claim) {
        Fencing.Verdict v = Fencing.judge(current, claim);
        if (v == Fencing.Verdict.ADOPT) {
          current = claim;
        }
        return v;
      }

      @Override
      public void superseded(String reporter, Epoch claim) {
        // Nothing moves: there is no role to change here.
      }
    };
  }
}
