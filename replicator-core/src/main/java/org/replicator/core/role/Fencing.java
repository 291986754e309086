package org.replicator.core.role;

/**
 * The fencing rule: may a node that claims to be master at some epoch send changes to a node that
 * knows {@code known}? Pure; the agent persists what it adopts and answers the handshake.
 *
 * <ul>
 *   <li>a higher epoch wins: the receiver adopts it (the claimant was promoted after the
 *       receiver last heard);
 *   <li>the same epoch is accepted from that epoch's master only: two nodes promoted from the same
 *       epoch (two forced promotions) are a conflict, and the one the receiver knows first keeps it;
 *   <li>a lower epoch is refused: its master was superseded and must never send a change again.
 * </ul>
 */
public final class Fencing {
  private Fencing() {}

  /** What a receiver does with a claim. */
  public enum Verdict {
    /** Same epoch, same master: go on. */
    ACCEPT,
    /** A newer epoch: persist it first, then go on. */
    ADOPT,
    /** The claimant's epoch is older than the one the receiver knows. */
    STALE,
    /** Same epoch, another master: a conflict the operator resolves with a promote. */
    CONFLICT
  }

  public static Verdict judge(Epoch known, Epoch claim) {
    if (claim.isNewerThan(known)) {
      return Verdict.ADOPT;
    }
    if (known.isNewerThan(claim)) {
      return Verdict.STALE;
    }
    return claim.master().equals(known.master()) ? Verdict.ACCEPT : Verdict.CONFLICT;
  }

  /**
   * Whether a master believes slave {@code reporter}'s answer that {@code claim} superseded it, and
   * steps down. A slave's word is not proof: only a claim naming a third node of the cluster as
   * master is believed (that node then dials this one and proves it with its own HELLO). A slave
   * naming itself (it was never promoted: it would be the one dialling), or naming this node, or a
   * node the cluster does not have, is confused or hostile: the link sends it nothing, nothing else
   * changes.
   */
  public static boolean believesSupersession(String self, String reporter, Epoch own, Epoch claim, java.util.Collection<String> nodes) {
    return claim.isNewerThan(own) && !claim.master().equals(reporter) && !claim.master().equals(self) && nodes.contains(claim.master());
  }

  /**
   * Whether the master {@code self}, at epoch {@code own}, grants a HANDOVER frame that slave
   * {@code requester} sent for {@code requested}: only a request to make the requester itself
   * master at exactly the next epoch, made to the master of the current one. A slave that asks
   * for another node, skips epochs or replays an old request changes nothing.
   *
   * @return null when granted, else why not (for the master's log)
   */
  public static String handoverRefusal(String self, Epoch own, String requester, Epoch requested) {
    if (!own.master().equals(self)) {
      return "this node is not the master of " + own;
    }
    if (!requested.master().equals(requester)) {
      return "'" + requester + "' asked for a handover to '" + requested.master() + "', not to itself";
    }
    Epoch next = own.next(requester);
    if (!requested.equals(next)) {
      return "'" + requester + "' asked for epoch " + requested.number() + "; the next one is " + next.number();
    }
    return null;
  }

  /** The refusal an operator reads for a verdict other than ACCEPT/ADOPT, from the receiver's side. */
  public static String refusal(Verdict verdict, Epoch known, Epoch claim) {
    return switch (verdict) {
      case STALE -> "node '" + claim.master() + "' claims to be master at epoch " + claim.number() + ", but this node knows epoch "
          + known.number() + " (master '" + known.master() + "'): '" + claim.master() + "' was superseded and must not send;"
          + " it rejoins as a slave of '" + known.master() + "'";
      case CONFLICT -> "node '" + claim.master() + "' claims to be master at epoch " + claim.number() + ", at which this node follows '"
          + known.master() + "' (two promotions from the same epoch?): refused; run 'replicator promote' once more to settle it";
      case ACCEPT, ADOPT -> throw new IllegalArgumentException("no refusal for " + verdict);
    };
  }
}
