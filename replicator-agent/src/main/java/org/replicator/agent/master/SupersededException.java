package org.replicator.agent.master;

import java.io.IOException;
import org.replicator.core.role.Epoch;

/** A slave answered the HELLO with an epoch newer than this master's: the link sends it nothing. */
final class SupersededException extends IOException {
  private final transient Epoch claim;

  SupersededException(String slave, Epoch claim, long ours, String reason) {
    super("slave '" + slave + "' follows " + claim + ", newer than this master's epoch " + ours
        + ": this node sends it nothing" + (reason.isEmpty() ? "" : " (" + reason + ")"));
    this.claim = claim;
  }

  Epoch claim() {
    return claim;
  }
}
