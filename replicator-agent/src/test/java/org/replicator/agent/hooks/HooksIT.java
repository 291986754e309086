package org.replicator.agent.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.agent.InProcessCluster;

/**
 * Post-apply hooks on a real slave: they run after the batch is applied with exactly the matching
 * paths, file names reach them untouched, and failing or hanging hooks are reported while
 * replication carries on.
 */
class HooksIT {
  @TempDir Path dir;

  /** Every NUL-terminated path the hook wrote to {@code out} (possibly over several runs). */
  private static Set<String> recorded(Path out) throws Exception {
    if (!Files.exists(out)) {
      return Set.of();
    }
    String s = Files.readString(out, StandardCharsets.UTF_8);
    return new TreeSet<>(Arrays.asList(s.split("\0")).stream().filter(p -> !p.isEmpty()).toList());
  }

  @Test
  void hooksGetExactlyTheMatchingPathsAndHostileNamesArriveIntact() throws Exception {
    Path args = dir.resolve("args.out");
    Path stdin = dir.resolve("stdin.out");
    Path env = dir.resolve("env.out");
    String yaml = """
        hooks:
          - name: by-args
            match: ["*.php", "!skip.php"]
            run: ["/bin/sh", "-c", "printf '%%s\\\\0' \\"$@\\" >> %s; echo \\"$REPLICATOR_HOOK $REPLICATOR_PATH_COUNT $REPLICATOR_PATHS_TRUNCATED $PWD\\" >> %s", "hook"]
            paths: args
          - name: by-stdin
            match: /wp-content/plugins/
            run: ["/bin/sh", "-c", "cat >> %s"]
        """.formatted(args, env, stdin);
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, yaml)) {
      cluster.startAll();
      Path m = cluster.docroot("master");
      Files.createDirectories(m.resolve("sub dir"));
      Files.createDirectories(m.resolve("wp-content/plugins/-rf"));
      String[] php = {"index.php", "sub dir/a b.php", "-rf.php", "new\nline.php", "$(touch pwned).php", "wp-content/plugins/-rf/x;y.php"};
      for (String p : php) {
        Files.writeString(m.resolve(p), "<?php echo 1;");
      }
      Files.writeString(m.resolve("readme.txt"), "not php");
      Files.writeString(m.resolve("skip.php"), "negated");
      Files.writeString(m.resolve("wp-content/plugins/-rf/style.css"), "css");
      assertThat(cluster.awaitApplied()).isTrue();

      await("the args hook saw every php file").atMost(Duration.ofSeconds(20))
          .until(() -> recorded(args).size() >= php.length);
      assertThat(recorded(args)).containsExactlyInAnyOrder(php);
      await("the stdin hook saw the plugin folder").atMost(Duration.ofSeconds(20))
          .until(() -> recorded(stdin).contains("wp-content/plugins/-rf/style.css"));
      assertThat(recorded(stdin)).allMatch(p -> p.startsWith("wp-content/plugins"))
          .contains("wp-content/plugins/-rf/x;y.php", "wp-content/plugins/-rf/style.css");
      assertThat(Files.readString(env)).contains("by-args ").contains(" 0 " + cluster.docroot("slave1"));
      assertThat(cluster.docroot("slave1").resolve("pwned")).as("no shell ever parsed a file name").doesNotExist();
      assertThat(m.resolve("pwned")).doesNotExist();
      assertThat(cluster.slave("slave1").hookFailures()).isZero();
      assertThat(cluster.slave("slave1").hookRuns()).isPositive();
    }
  }

  @Test
  void aPluginUpdateRunsTheHookOnceAfterTheSwapWithTheNewVersionInPlace() throws Exception {
    Path seen = dir.resolve("seen.out");
    String yaml = """
        hooks:
          - name: opcache
            match: /wp-content/plugins/
            run: ["/bin/sh", "-c", "echo \\"$(cat wp-content/plugins/hello/version.txt) $(ls wp-content/plugins/hello | wc -l)\\" >> %s"]
        """.formatted(seen);
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, yaml)) {
      cluster.startAll();
      Path plugin = cluster.docroot("master").resolve("wp-content/plugins/hello");
      Files.createDirectories(plugin);
      for (int i = 0; i < 200; i++) {
        Files.writeString(plugin.resolve("f" + i + ".php"), "<?php // v1 " + i);
      }
      Files.writeString(plugin.resolve("version.txt"), "v1");
      assertThat(cluster.awaitApplied()).isTrue();
      await("the first version's hook ran").atMost(Duration.ofSeconds(20)).until(() -> cluster.slave("slave1").hookRuns() >= 1);
      long runsBefore = cluster.slave("slave1").hookRuns();

      // The upgrader: remove the directory, then copy the new version in, file by file.
      try (var old = Files.list(plugin)) {
        for (Path f : old.toList()) {
          Files.delete(f);
        }
      }
      Files.delete(plugin);
      Files.createDirectories(plugin);
      for (int i = 0; i < 200; i++) {
        Files.writeString(plugin.resolve("f" + i + ".php"), "<?php // v2 " + i);
      }
      Files.writeString(plugin.resolve("version.txt"), "v2");
      assertThat(cluster.awaitApplied()).isTrue();

      await("the update's hook ran").atMost(Duration.ofSeconds(20)).until(() -> cluster.slave("slave1").hookRuns() > runsBefore);
      assertThat(cluster.slave("slave1").hookRuns()).as("once for the whole update").isEqualTo(runsBefore + 1);
      List<String> lines = Files.readAllLines(seen);
      assertThat(lines.get(lines.size() - 1)).as("run after the swap: the whole new version in place").isEqualTo("v2 201");
      assertThat(cluster.slave("slave1").directorySwaps()).isPositive();
    }
  }

  @Test
  void failingAndHangingHooksAreReportedWhileLaterBatchesApply() throws Exception {
    Path ok = dir.resolve("ok");
    String yaml = """
        hooks:
          - name: fails
            match: "*.php"
            run: ["/bin/sh", "-c", "test -e %s && exit 0; echo 'PHP Fatal error: boom' >&2; exit 3"]
          - name: hangs
            match: "*.php"
            run: ["/bin/sh", "-c", "echo started >&2; sleep 3017; true"]
            timeout_s: 1
        """.formatted(ok);
    try (InProcessCluster cluster = new InProcessCluster(dir, 1, yaml)) {
      cluster.startAll();
      Path m = cluster.docroot("master");
      Files.writeString(m.resolve("a.php"), "<?php");
      assertThat(cluster.awaitApplied()).isTrue();
      await("both failures are in status").atMost(Duration.ofSeconds(30)).until(() -> failure(cluster, "fails").isObject()
          && failure(cluster, "hangs").isObject());
      JsonNode fails = failure(cluster, "fails");
      assertThat(fails.path("exitCode").asInt()).isEqualTo(3);
      assertThat(fails.path("timedOut").asBoolean()).isFalse();
      assertThat(fails.path("reason").asText()).isEqualTo("exit 3");
      assertThat(fails.path("stderrTail").asText()).isEqualTo("PHP Fatal error: boom\n");
      assertThat(fails.path("at").asText()).isNotEmpty();
      JsonNode hangs = failure(cluster, "hangs");
      assertThat(hangs.path("timedOut").asBoolean()).isTrue();
      assertThat(hangs.path("reason").asText()).startsWith("timed out after 1 s");
      assertThat(hangs.path("stderrTail").asText()).startsWith("started\n");
      await("the hung hook's child was killed too").atMost(Duration.ofSeconds(10))
          .until(() -> ProcessHandle.allProcesses().noneMatch(p -> p.info().commandLine().orElse("").contains("sleep 3017")));
      assertThat(cluster.slave("slave1").hookFailures()).isGreaterThanOrEqualTo(2);
      assertThat(cluster.slaveStatus("slave1").path("hookFailures").asLong()).isGreaterThanOrEqualTo(2);

      // Replication carries on, and a hook that succeeds again clears its failure.
      Files.createFile(ok);
      Files.writeString(m.resolve("b.php"), "<?php");
      Files.writeString(m.resolve("c.txt"), "c");
      assertThat(cluster.awaitApplied()).isTrue();
      assertThat(cluster.differences()).isEmpty();
      await("fails succeeded and is no longer reported").atMost(Duration.ofSeconds(30))
          .until(() -> failure(cluster, "fails").isNull());
    }
  }

  private static JsonNode failure(InProcessCluster cluster, String hook) {
    for (JsonNode h : cluster.slaveStatus("slave1").path("hooks")) {
      if (h.path("name").asText().equals(hook)) {
        return h.path("lastFailure");
      }
    }
    throw new AssertionError("no hook " + hook + " in status");
  }
}
