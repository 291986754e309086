package org.replicator.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    write(cluster.docroot("web1"), "wp-content/uploads/deleted-while-cut-off.jpg", "jpeg");
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
    Files.delete(cluster.docroot("web1").resolve("wp-content/uploads/deleted-while-cut-off.jpg"));
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

    // Master-only commands follow the epoch, not the file's stale role: (web1's agent is now a
    // slave and cannot answer 'wait'): with no --node it asks web2; --node web1 is refused.
    CliResult waited = cluster.cli("wait", "--config", cluster.clusterFile().toString(), "--timeout", "60");
    assertThat(waited.exit()).as("%s", waited).isEqualTo(ExitCode.OK);
    CliResult oldMaster = cluster.cli("wait", "--config", cluster.clusterFile().toString(), "--node", "web1");
    assertThat(oldMaster.exit()).as("%s", oldMaster).isEqualTo(ExitCode.USAGE);
    assertThat(oldMaster.err()).contains("answered by the master's agent (web2)");

    Path kept = cluster.stateDir("web1").resolve("kept-aside/0");
    assertThat(Files.readString(kept.resolve("shared.php"))).isEqualTo("edited on web1 while cut off");
    assertThat(Files.readString(kept.resolve("cutoff-only.php"))).isEqualTo("made on web1 while cut off");
    assertThat(Files.readString(kept.resolveSibling("0.manifest"))).contains("shared.php", "cutoff-only.php")
        .contains("deleted: wp-content/uploads/deleted-while-cut-off.jpg\n");
    // The catch-up brought the deleted file back from web2: named, so an operator can delete it there.
    assertThat(cluster.docroot("web1").resolve("wp-content/uploads/deleted-while-cut-off.jpg")).exists();
    JsonNode web1 = cluster.status("web1");
    assertThat(web1.path("keptAside").toString()).contains(kept.toString());
    assertThat(web1.path("keptAsideDeleted").toString()).contains("wp-content/uploads/deleted-while-cut-off.jpg");
    assertThat(cluster.tail("web1", 400)).contains("kept aside").contains("cutoff-only.php")
        .contains("deleted here after the cut-off path=wp-content/uploads/deleted-while-cut-off.jpg");
    CliResult status = cluster.cli("status", "--config", cluster.clusterFile().toString(), "--node", "web1");
    assertThat(status.out()).contains("epoch 1").contains(kept.toString()).contains("wp-content/uploads/deleted-while-cut-off.jpg");

    // A second promote of the master is refused and changes nothing.
    CliResult again = cluster.cli("promote", "--config", cluster.clusterFile().toString(), "web2", "--force");
    assertThat(again.exit()).as("%s", again).isEqualTo(ExitCode.BEHIND);
    assertThat(again.err()).contains("already is master");
  }

  /**
   * A planned switch while a writer streams new files into the master's docroot, as fast as it can:
   * the writer stops only for the promote call itself (as HAProxy moves /wp-admin/ to the new
   * master), so the last files before it are still in flight when the master drains. Every file
   * written reaches every node exactly once; nothing is kept aside; then the same back to web1.
   */
  @Test
  void plannedPromotionDuringAStreamOfChangesLosesNothingAndSwitchesBack() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    cluster.startAll();
    StreamWriter writer = guard.track(new StreamWriter(cluster.docroot("web1")));
    writer.start();
    writer.awaitMore(30);

    CliResult toWeb2 = writer.pausedWhile(() -> cluster.cli("promote", "--config", cluster.clusterFile().toString(), "web2"),
        cluster.docroot("web2"));
    assertThat(toWeb2.exit()).as("%s", toWeb2).isEqualTo(ExitCode.OK);
    assertThat(toWeb2.out()).contains("promoted web2: master at epoch 1 (was web1 at epoch 0)").contains("drained");
    writer.awaitMore(30);

    CliResult back = writer.pausedWhile(() -> cluster.cli("promote", "--config", cluster.clusterFile().toString(), "web1"),
        cluster.docroot("web1"));
    assertThat(back.exit()).as("%s", back).isEqualTo(ExitCode.OK);
    assertThat(back.out()).contains("promoted web1: master at epoch 2 (was web2 at epoch 1)");
    writer.awaitMore(30);
    int written = writer.stop();

    await("every node has web1's tree").atMost(BOUND).untilAsserted(() -> {
      assertThat(cluster.status("web1").path("role").asText()).isEqualTo("master");
      for (String n : List.of("web2", "web3")) {
        assertThat(cluster.status(n).path("epoch").asLong()).as(n).isEqualTo(2);
        assertThat(cluster.differencesBetween("web1", n)).isEmpty();
      }
    });
    for (int i = 0; i < written; i++) {
      assertThat(Files.readString(cluster.docroot("web3").resolve(StreamWriter.rel(i)))).isEqualTo(StreamWriter.text(i));
    }
    try (var files = Files.list(cluster.docroot("web3").resolve("stream"))) {
      assertThat(files.filter(f -> !f.getFileName().toString().startsWith(".")).count()).as("no file twice, none extra").isEqualTo(written);
    }
    for (String n : ProcessCluster.NODES) {
      assertThat(cluster.stateDir(n).resolve("kept-aside")).as("nothing kept aside on %s", n).doesNotExist();
    }
    assertThat(cluster.status("web2").path("role").asText()).isEqualTo("slave");
  }

  /**
   * A slave that is down does not block a planned promote: the master drains to the node that
   * takes over only, and the new master catches the returning slave up by tree comparison.
   */
  @Test
  void plannedPromotionWithAnotherSlaveDownCatchesItUpLater() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    cluster.startAll();
    write(cluster.docroot("web1"), "before.php", "written before web3 went down");
    cluster.assertConverged();
    cluster.stop("web3");
    write(cluster.docroot("web1"), "while-web3-down.php", "written on web1 while web3 was down");

    CliResult promoted = cluster.cli("promote", "--config", cluster.clusterFile().toString(), "web2");
    assertThat(promoted.exit()).as("%s", promoted).isEqualTo(ExitCode.OK);
    assertThat(Files.readString(cluster.docroot("web2").resolve("while-web3-down.php"))).isEqualTo("written on web1 while web3 was down");
    write(cluster.docroot("web2"), "after.php", "written on web2 at epoch 1");

    cluster.start("web3");
    await("web3 follows web2 with both masters' changes").atMost(BOUND).untilAsserted(() -> {
      assertThat(cluster.status("web3").path("epoch").asLong()).isEqualTo(1);
      assertThat(cluster.differencesBetween("web2", "web3")).isEmpty();
      assertThat(cluster.differencesBetween("web2", "web1")).isEmpty();
    });
    assertThat(Files.readString(cluster.docroot("web3").resolve("while-web3-down.php"))).isEqualTo("written on web1 while web3 was down");
    assertThat(Files.readString(cluster.docroot("web3").resolve("after.php"))).isEqualTo("written on web2 at epoch 1");
  }

  @Test
  void refusalsNameTheNodeAndChangeNothing() throws Exception {
    ProcessCluster cluster = guard.cluster(tmp.resolve("c"));
    cluster.startAll();
    String file = cluster.clusterFile().toString();
    CliResult unknown = cluster.cli("promote", "--config", file, "web9");
    assertThat(unknown.exit()).as("%s", unknown).isEqualTo(ExitCode.USAGE);
    assertThat(unknown.err()).contains("no node named 'web9'");
    CliResult master = cluster.cli("promote", "--config", file, "web1");
    assertThat(master.exit()).as("%s", master).isEqualTo(ExitCode.BEHIND);
    assertThat(master.err()).contains("'web1' already is master");

    cluster.stop("web1");
    CliResult noMaster = cluster.cli("promote", "--config", file, "web2");
    assertThat(noMaster.exit()).as("%s", noMaster).isEqualTo(ExitCode.BEHIND);
    assertThat(noMaster.err()).contains("no master is connected to 'web2'").contains("promote --force web2");
    cluster.stop("web3");
    CliResult unreachable = cluster.cli("promote", "--config", file, "web3", "--force");
    assertThat(unreachable.exit()).as("%s", unreachable).isEqualTo(ExitCode.UNREACHABLE);
    assertThat(unreachable.err()).contains("no agent answers for node web3");
    assertThat(cluster.status("web2").path("epoch").asLong()).isZero();
    assertThat(Files.readString(cluster.stateDir("web2").resolve("epoch"))).isEqualTo("epoch=0\nmaster=web1\n");
  }

  /** Writes stream/f-N files (temp + rename, as an upload) into the current master's docroot. */
  private static final class StreamWriter implements AutoCloseable {
    private final Object lock = new Object();
    private volatile Path root;
    private volatile boolean running = true;
    private int count; // guarded by lock
    private Thread thread;

    StreamWriter(Path root) {
      this.root = root;
    }

    static String rel(int i) {
      return "stream/f-" + i + ".txt";
    }

    static String text(int i) {
      return "file " + i;
    }

    void start() {
      thread = new Thread(() -> {
        while (running) {
          synchronized (lock) {
            try {
              write(root, rel(count), text(count));
            } catch (Exception e) {
              throw new AssertionError(e);
            }
            count++;
            lock.notifyAll();
          }
        }
      }, "stream-writer");
      thread.start();
    }

    void awaitMore(int more) throws InterruptedException {
      synchronized (lock) {
        int until = count + more;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count < until) {
          long left = deadline - System.nanoTime();
          assertThat(left).as("the writer wrote %d files in 60 s", more).isPositive();
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
      }
    }

    /** Holds the writer while {@code call} runs, then points it at {@code next}. */
    <T> T pausedWhile(java.util.concurrent.Callable<T> call, Path next) throws Exception {
      synchronized (lock) {
        T result = call.call();
        root = next;
        return result;
      }
    }

    int stop() throws InterruptedException {
      running = false;
      thread.join(30_000);
      synchronized (lock) {
        return count;
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }

  private static void write(Path root, String rel, String text) throws Exception {
    Path p = root.resolve(rel);
    Files.createDirectories(p.getParent());
    Path tmp = p.resolveSibling("." + p.getFileName() + ".tmp");
    Files.writeString(tmp, text, StandardCharsets.UTF_8);
    Files.move(tmp, p, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

}
