package org.replicator.agent.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.config.HookConfig;
import org.replicator.core.op.Op;

/**
 * {@link Hooks} driven as the apply loop drives it, with real processes: a slow hook coalesces
 * the batches acknowledged while it runs into one run, and past the path cap it is told that
 * more changed than it received.
 */
class HooksTest {
  @TempDir Path dir;

  private HookConfig recorder(String name, Path out, String extra) {
    // One line per run: batch, path count, truncated flag; then the paths, NUL-terminated, on stdin.
    return new HookConfig(name, List.of("*.php"), List.of("/bin/sh", "-c",
        extra + "echo \"run $REPLICATOR_BATCH_SEQ $REPLICATOR_PATH_COUNT $REPLICATOR_PATHS_TRUNCATED\" >> " + out), 30,
        HookConfig.PathPassing.STDIN);
  }

  private static Op put(String path) {
    return new Op.Delete(path);
  }

  @Test
  void batchesAcknowledgedWhileAHookRunsAreMergedIntoItsNextRun() throws Exception {
    Path out = dir.resolve("runs");
    Path gate = dir.resolve("gate");
    Path started = dir.resolve("started");
    // The first run waits until the test opens the gate: batches 2..5 arrive meanwhile.
    try (Hooks hooks = new Hooks("web2", dir, List.of(recorder("slow", out,
        "touch " + started + "; while [ ! -e " + gate + " ]; do sleep 0.05; done; ")))) {
      hooks.opApplied(put("a.php"));
      hooks.batchAcked(1);
      await("the first run started").atMost(Duration.ofSeconds(20)).until(() -> Files.exists(started));
      for (int seq = 2; seq <= 5; seq++) {
        hooks.opApplied(put("p" + seq + ".php"));
        hooks.opApplied(put("skip" + seq + ".txt"));
        hooks.batchAcked(seq);
      }
      Files.createFile(gate);
      await().atMost(Duration.ofSeconds(20)).until(() -> hooks.runs() == 2);
      assertThat(Files.readAllLines(out)).containsExactly("run 1 1 0", "run 5 4 0");
      assertThat(hooks.failures()).isZero();
    }
  }

  @Test
  void pastThePathCapTheRunIsToldThatMoreChanged() throws Exception {
    Path out = dir.resolve("runs");
    Path paths = dir.resolve("paths");
    try (Hooks hooks = new Hooks("web2", dir, List.of(recorder("capped", out, "cat > " + paths + "; ")))) {
      for (int i = 0; i < PathSet.MAX_PATHS + 5; i++) {
        hooks.opApplied(put("f" + i + ".php"));
      }
      hooks.batchAcked(7);
      await().atMost(Duration.ofSeconds(20)).until(() -> hooks.runs() == 1);
      assertThat(Files.readAllLines(out)).containsExactly("run 7 " + PathSet.MAX_PATHS + " 1");
      String[] received = Files.readString(paths).split("\0");
      assertThat(received).hasSize(PathSet.MAX_PATHS);
      assertThat(received[0]).isEqualTo("f0.php");
    }
  }

  @Test
  void reloadKeepsAnUnchangedHookAndDropsARemovedOne() throws Exception {
    Path out = dir.resolve("runs");
    HookConfig kept = recorder("kept", out, "");
    try (Hooks hooks = new Hooks("web2", dir, List.of(kept, recorder("gone", dir.resolve("gone"), "")))) {
      hooks.update(List.of(kept));
      assertThat(hooks.status()).extracting(m -> m.get("name")).containsExactly("kept");
      hooks.opApplied(put("a.php"));
      hooks.batchAcked(3);
      await().atMost(Duration.ofSeconds(20)).until(() -> hooks.runs() == 1);
      assertThat(dir.resolve("gone")).doesNotExist();
    }
  }
}
