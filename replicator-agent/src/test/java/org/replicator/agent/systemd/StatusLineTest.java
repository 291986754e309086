package org.replicator.agent.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusLineTest {
  @Test
  void masterSaysHowManySlavesAreLiveAndTheWorstLag() {
    Map<String, Object> status = new HashMap<>(Map.of("role", "master", "state", "running", "seq", 41,
        "slaves", List.of(Map.of("state", "live", "lagSeconds", 0.2), Map.of("state", "catching-up", "lagSeconds", 12.34))));
    assertThat(StatusLine.of(status)).isEqualTo("master: 1/2 slaves live, max lag 12.3 s, batch 41");
  }

  @Test
  void heldMasterSaysWhy() {
    Map<String, Object> status = new HashMap<>(Map.of("role", "master", "state", "held", "seq", 7, "slaves", List.of(),
        "message", "batch 8 deletes 60% of the tree: replicator confirm-delete"));
    assertThat(StatusLine.of(status))
        .isEqualTo("master: 0/0 slaves live, max lag 0.0 s, batch 7, held: batch 8 deletes 60% of the tree: replicator confirm-delete");
  }

  @Test
  void slaveSaysWhetherItHasItsMaster() {
    assertThat(StatusLine.of(Map.of("role", "slave", "state", "connected", "masterConnected", true, "lastAppliedSeq", 9, "health", "up")))
        .isEqualTo("slave: connected to master, applied batch 9, health up");
    assertThat(StatusLine.of(Map.of("role", "slave", "state", "blocked", "masterConnected", false, "lastAppliedSeq", 0,
        "message", "docroot /var/www/x has no marker")))
        .isEqualTo("slave: waiting for master, applied batch 0, blocked: docroot /var/www/x has no marker");
  }
}
