package org.replicator.core.role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ClusterConfigLoader;
import org.replicator.core.config.ConfigException;
import org.replicator.core.config.Role;

class FencingTest {
  private static final Epoch WEB1_AT_0 = new Epoch(0, "web1");

  @Test
  void aHandoverIsGrantedOnlyToTheRequesterItselfAtTheNextEpoch() {
    assertThat(Fencing.handoverRefusal("web1", WEB1_AT_0, "web2", new Epoch(1, "web2"))).isNull();
    assertThat(Fencing.handoverRefusal("web1", WEB1_AT_0, "web2", new Epoch(1, "web3"))).isEqualTo(
        "'web2' asked for a handover to 'web3', not to itself");
    assertThat(Fencing.handoverRefusal("web1", WEB1_AT_0, "web2", new Epoch(7, "web2"))).isEqualTo(
        "'web2' asked for epoch 7; the next one is 1");
    assertThat(Fencing.handoverRefusal("web1", new Epoch(3, "web1"), "web2", new Epoch(1, "web2"))).as("a replayed old request")
        .isEqualTo("'web2' asked for epoch 1; the next one is 4");
    assertThat(Fencing.handoverRefusal("web1", new Epoch(1, "web2"), "web3", new Epoch(2, "web3"))).as("asked of a former master")
        .isEqualTo("this node is not the master of epoch 1 (master web2)");
  }

  @Test
  void aHigherEpochIsAdoptedWhoeverClaimsIt() {
    assertThat(Fencing.judge(WEB1_AT_0, new Epoch(1, "web2"))).isEqualTo(Fencing.Verdict.ADOPT);
    assertThat(Fencing.judge(WEB1_AT_0, new Epoch(5, "web3"))).isEqualTo(Fencing.Verdict.ADOPT);
  }

  @Test
  void theSameEpochIsAcceptedFromItsMasterOnly() {
    assertThat(Fencing.judge(WEB1_AT_0, new Epoch(0, "web1"))).isEqualTo(Fencing.Verdict.ACCEPT);
    assertThat(Fencing.judge(WEB1_AT_0, new Epoch(0, "web2"))).isEqualTo(Fencing.Verdict.CONFLICT);
  }

  @Test
  void aLowerEpochNeverSends() {
    Epoch known = new Epoch(2, "web2");
    Epoch stale = new Epoch(1, "web1");
    assertThat(Fencing.judge(known, stale)).isEqualTo(Fencing.Verdict.STALE);
    assertThat(Fencing.refusal(Fencing.Verdict.STALE, known, stale))
        .contains("'web1' claims to be master at epoch 1", "knows epoch 2 (master 'web2')", "must not send");
  }

  @Test
  void twoMastersOfTheSameEpochAreAConflictTheOperatorSettles() {
    assertThat(Fencing.refusal(Fencing.Verdict.CONFLICT, new Epoch(3, "web2"), new Epoch(3, "web3")))
        .contains("'web3' claims to be master at epoch 3", "follows 'web2'", "replicator promote");
  }

  @Test
  void aSlavesWordAloneNeverDemotesAMaster() {
    List<String> nodes = List.of("web1", "web2", "web3");
    // web3 reports that web2 was promoted: believed (web2 will dial and prove it).
    assertThat(Fencing.believesSupersession("web1", "web3", WEB1_AT_0, new Epoch(1, "web2"), nodes)).isTrue();
    // A slave claiming a higher epoch for itself without a promote: not believed.
    assertThat(Fencing.believesSupersession("web1", "web3", WEB1_AT_0, new Epoch(9, "web3"), nodes)).isFalse();
    // Naming this very node, or a node the cluster does not have: not believed.
    assertThat(Fencing.believesSupersession("web1", "web3", WEB1_AT_0, new Epoch(9, "web1"), nodes)).isFalse();
    assertThat(Fencing.believesSupersession("web1", "web3", WEB1_AT_0, new Epoch(9, "evil"), nodes)).isFalse();
    // Not newer: nothing to step down for.
    assertThat(Fencing.believesSupersession("web1", "web3", new Epoch(2, "web1"), new Epoch(2, "web2"), nodes)).isFalse();
  }

  @Test
  void anEpochIsNeverNegativeNorMasterless() {
    assertThatThrownBy(() -> new Epoch(-1, "web1")).hasMessageContaining("negative");
    assertThatThrownBy(() -> new Epoch(0, "")).hasMessageContaining("names no master");
    assertThat(WEB1_AT_0.next("web2")).isEqualTo(new Epoch(1, "web2"));
  }

  @Test
  void theEffectiveClusterHasTheEpochsMasterAsItsOnlyMaster() throws ConfigException {
    ClusterConfig file = ClusterConfigLoader.parse("""
        cluster: shop
        docroot: /srv/www
        nodes:
          - {name: web1, role: master, host: 10.0.0.1, port: 8730}
          - {name: web2, role: slave, host: 10.0.0.2, port: 8730}
          - {name: web3, role: slave, host: 10.0.0.3, port: 8730}
        """, Path.of("/etc/replicator/cluster.yaml"));
    assertThat(RoleResolver.initial(file)).isEqualTo(WEB1_AT_0);
    ClusterConfig at1 = RoleResolver.effective(file, "web2");
    assertThat(at1.master().name()).isEqualTo("web2");
    assertThat(at1.slaves()).extracting(n -> n.name()).containsExactly("web1", "web3");
    assertThat(at1.node("web1").role()).isEqualTo(Role.SLAVE);
    assertThat(at1.replicationHash()).isEqualTo(file.replicationHash());
    assertThatThrownBy(() -> RoleResolver.effective(file, "web9")).hasMessageContaining("no node named 'web9'");
  }
}
