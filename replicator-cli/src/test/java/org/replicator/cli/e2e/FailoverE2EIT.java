package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.cli.ExitCode;
import org.replicator.cli.e2e.ProcessCluster.CliResult;

/**
 * Failover with real agents (issue 18): the master is killed with SIGKILL, a slave is promoted
 * with {@code --force}, the new master takes writes, and the old master comes back with changes
 * it made while cut off: it never sends them, rejoins as a slave, ends with the new master's tree,
 * and its own changes are kept aside in its state_dir and reported.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FailoverE2EIT {
  private static final Duration BOUND = Duration.ofSeconds(90);

  @RegisterExtension final ClusterGuard guard = new ClusterGuard();
  @TempDir Path tmp;

  @Test
  void forcedPromotionAfterSigkillFencesTheOldMasterAndKeepsItsCutOffChangesAside() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    cluster.startAll();
    write(cluster.docroot("web1"), "index.php", "v1");
    write(cluster.docroot("web1"), "shared.php", "from web1 at epoch 0");
    cluster.assertConverged();
    assertThat(cluster.status("web1").path("epoch").asLong()).isZero();

    cluster.kill("web1");
    CliResult promoted = cluster.cli("promote", "--config", cluster.clusterFile().toString(), "web2", "--force");
    assertThat(promoted.exit()).as("%s", promoted).isEqualTo(ExitCode.OK);
    assertThat(promoted.out()).contains("promoted web2: master at epoch 1 (was web1 at epoch 0)").contains("may lose:");

    JsonNode web2 = cluster.status("web2");
    assertThat(web2.path("role").asText()).isEqualTo("master");
    assertThat(web2.path("epoch").asLong()).isEqualTo(1);
    assertThat(web2.path("currentMaster").asText()).isEqualTo("web2");
    assertThat(web2.path("roleNote").asText()).contains("names 'web1' as master").contains("'web2' since epoch 1");
    assertThat(Files.readString(cluster.stateDir("web2").resolve("epoch"))).isEqualTo("epoch=1\nmaster=web2\n");

    // The new master's writes reach web3, which adopts epoch 1 at web2's handshake.
    write(cluster.docroot("web2"), "shared.php", "from web2 at epoch 1");
    write(cluster.docroot("web2"), "new-on-web2.php", "new");
    await("web3 follows web2").atMost(BOUND).untilAsserted(() ->
        assertThat(cluster.differencesBetween("web2", "web3")).isEmpty());
    assertThat(cluster.status("web3").path("epoch").asLong()).isEqualTo(1);

    // While cut off (its agent dead), web1 is edited: these changes must not reach anyone.
    write(cluster.docroot("web1"), "shared.php", "edited on web1 while cut off");
    write(cluster.docroot("web1"), "cutoff-only.php", "made on web1 while cut off");
    cluster.start("web1");

    await("web1 rejoins as a slave of web2 with web2's tree").atMost(BOUND).untilAsserted(() -> {
      JsonNode s = cluster.status("web1");
      assertThat(s.path("role").asText()).isEqualTo("slave");
      assertThat(s.path("epoch").asLong()).isEqualTo(1);
      assertThat(cluster.differencesBetween("web2", "web1")).isEmpty();
    });
    assertThat(Files.readString(cluster.docroot("web2").resolve("shared.php"))).isEqualTo("from web2 at epoch 1");
    assertThat(cluster.docroot("web2").resolve("cutoff-only.php")).doesNotExist();
    assertThat(cluster.docroot("web3").resolve("cutoff-only.php")).doesNotExist();
    assertThat(cluster.differencesBetween("web2", "web3")).isEmpty();

    Path kept = cluster.stateDir("web1").resolve("kept-aside/0");
    assertThat(Files.readString(kept.resolve("shared.php"))).isEqualTo("edited on web1 while cut off");
    assertThat(Files.readString(kept.resolve("cutoff-only.php"))).isEqualTo("made on web1 while cut off");
    assertThat(Files.readString(kept.resolveSibling("0.manifest"))).contains("shared.php", "cutoff-only.php");
    JsonNode web1 = cluster.status("web1");
    assertThat(web1.path("keptAside").toString()).contains(kept.toString());
    assertThat(cluster.tail("web1", 400)).contains("kept aside").contains("cutoff-only.php");
    CliResult status = cluster.cli("status", "--config", cluster.clusterFile().toString(), "--node", "web1");
    assertThat(status.out()).contains("epoch 1").contains(kept.toString());

    // A second promote of the master is refused and changes nothing.
    CliResult again = cluster.cli("promote", "--config", cluster.clusterFile().toString(), "web2", "--force");
    assertThat(again.exit()).as("%s", again).isEqualTo(ExitCode.BEHIND);
    assertThat(again.err()).contains("already is master");
  }

  private static void write(Path root, String rel, String text) throws Exception {
    Path p = root.resolve(rel);
    Files.createDirectories(p.getParent());
    Path tmp = p.resolveSibling("." + p.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

}
