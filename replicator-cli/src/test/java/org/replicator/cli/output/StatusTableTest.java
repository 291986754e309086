package org.replicator.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** A slave's status shows its own lag and agent-check answer, and is in sync only while up. */
class StatusTableTest {
  static JsonNode slave(String health, boolean connected) throws Exception {
    return new ObjectMapper().readTree("""
        {"node": "web2", "role": "slave", "cluster": "shop", "state": "connected", "message": null,
         "master": "10.0.0.11:40000", "masterConnected": %s, "lastAppliedSeq": 12, "appliedFiles": 3, "appliedBytes": 99,
         "lastError": null, "failures": [], "lagSeconds": 12.25, "lagBatches": 1, "health": "%s",
         "healthReason": "batch 13 received 12.2 s ago, not applied yet"}
        """.formatted(connected, health));
  }

  @Test
  void slaveLineShowsLagAndAgentCheckAnswer() throws Exception {
    assertThat(StatusTable.render(slave("drain", true)))
        .contains("  lag 12.3 s, 1 batches not applied  agent-check drain: batch 13 received 12.2 s ago, not applied yet\n");
  }

  @Test
  void slaveIsInSyncOnlyWhenConnectedAndUp() throws Exception {
    assertThat(StatusTable.allInSync(slave("up", true))).isTrue();
    assertThat(StatusTable.allInSync(slave("drain", true))).isFalse();
    assertThat(StatusTable.allInSync(slave("up", false))).isFalse();
  }

  @Test
  void failingHookShowsUntilItSucceedsWithItsStderrTail() throws Exception {
    JsonNode s = new ObjectMapper().readTree("""
        {"node": "web2", "role": "slave", "cluster": "shop", "state": "connected", "masterConnected": true,
         "hooks": [
           {"name": "opcache", "runs": 4, "lastFailure": {"at": "2026-11-28T16:00:00Z", "seq": 41, "exitCode": 3,
            "timedOut": false, "reason": "exit 3", "stderrTail": "PHP Warning: x\\nPHP Fatal error: y\\n"}},
           {"name": "touch", "runs": 4, "lastFailure": null}]}
        """);
    assertThat(StatusTable.render(s))
        .contains("  hook opcache failing since batch 41 at 2026-11-28T16:00:00Z: exit 3\n    | PHP Warning: x\n    | PHP Fatal error: y\n")
        .doesNotContain("hook touch");
  }
}
