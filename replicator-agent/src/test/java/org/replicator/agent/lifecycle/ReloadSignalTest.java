package org.replicator.agent.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGHUP sent to a real JVM ({@link ReloadSignalProbe}): caught and turned into a reload, or,
 * when the process was started with SIGHUP ignored (as {@code nohup} does), reported at start
 * instead of silently doing nothing. The second case once failed ReloadE2EIT for a build started
 * under nohup with no clue in the agent's log.
 */
class ReloadSignalTest {
  @TempDir Path tmp;

  @Test
  void aSighupReloadsTheClusterFile() throws Exception {
    assumeTrue(envSetsSignals(), "needs coreutils env --default-signal (8.31+)");
    // Reset, or a test JVM started under nohup would hand the probe an ignored SIGHUP.
    String out = probe(List.of("env", "--default-signal=HUP"));
    assertThat(out).contains("installed=true").contains("alive")
        .contains("SIGHUP: reload refused, nothing changed").contains("missing.yaml");
  }

  @Test
  void aProcessStartedWithSighupIgnoredSaysSoAtStart() throws Exception {
    assumeTrue(envSetsSignals(), "needs coreutils env --ignore-signal (8.31+)");
    String out = probe(List.of("env", "--ignore-signal=HUP"));
    assertThat(out).contains("installed=false").contains("alive")
        .contains("SIGHUP is ignored by this process").contains("missing.yaml").contains("use replicator reload")
        .doesNotContain("SIGHUP: reload");
  }

  /** Runs the probe in a JVM of its own behind {@code prefix}; its stdout and stderr. */
  private String probe(List<String> prefix) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), ReloadSignalProbe.class.getName(),
        tmp.resolve("missing.yaml").toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("probe finished: %s", out).isTrue();
    assertThat(p.exitValue()).as("probe exit: %s", out).isZero();
    return out;
  }

  private static boolean envSetsSignals() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("env", "--ignore-signal=HUP", "--default-signal=INT", "true").redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
  }
}
