package org.replicator.deb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Installs the built {@code target/replicator.deb} on this machine with {@code dpkg -i}, uses it as
 * an operator would ({@code replicator --version}, {@code man}, Tab completion, the unit checked by
 * {@code systemd-analyze}), then removes and purges it and checks that nothing it brought is left.
 *
 * <p>Needs root and dpkg, man-db, bash-completion and systemd's {@code systemd-analyze}: skipped
 * without them on a developer's machine, failed in CI ({@code CI=true}, where {@code .ci/run}
 * installs them). Refuses to run when a {@code replicator} package is already installed (it would
 * purge the operator's).
 */
class DebPackageIT {
  private static final Path DEB = Path.of(System.getProperty("replicator.deb", "target/replicator.deb"));
  private static final Path UNIT = Path.of("/lib/systemd/system/replicator@.service");
  private static final Pattern EXPOSURE = Pattern.compile("Overall exposure level for \\S+: (\\d+\\.\\d+)");

  private boolean installed;

  @BeforeEach
  void machineCanInstallPackages() throws Exception {
    requireOrSkip(isRoot(), "root (dpkg -i)");
    for (String tool : List.of("dpkg", "man", "bash", "systemd-analyze")) {
      requireOrSkip(run("sh", "-c", "command -v " + tool).exit() == 0, tool);
    }
    requireOrSkip(Files.isRegularFile(Path.of("/usr/share/bash-completion/bash_completion")), "bash-completion");
    assertThat(DEB).as("the package built by this module").isRegularFile();
    assertThat(run("dpkg-query", "-W", "-f=${Status}", "replicator").out())
        .as("a replicator package is already installed here; this test would purge it")
        .doesNotContain("install ok installed");
    // Purge removes both, whoever wrote them: never run over an operator's files.
    assertThat(Path.of("/var/lib/replicator")).as("left by something else; the purge would delete it").doesNotExist();
    assertThat(Path.of("/etc/replicator")).as("left by something else; the purge would delete it").doesNotExist();
  }

  @AfterEach
  void purgeEvenWhenFailed() throws Exception {
    if (installed) {
      run("dpkg", "--purge", "replicator");
    }
  }

  @Test
  void installsUsableAndPurgesWithoutLeftovers() throws Exception {
    List<String> contents = packagePaths();
    List<String> preexisting = new ArrayList<>();
    for (String p : contents) {
      if (Files.exists(Path.of(p))) {
        preexisting.add(p);
      }
    }
    install();

    Result version = run("replicator", "--version");
    assertThat(version.exit()).as(version.out()).isZero();
    assertThat(version.out()).startsWith("replicator ");

    Result man = run("man", "-w", "replicator");
    assertThat(man.out().trim()).isEqualTo("/usr/share/man/man1/replicator.1.gz");
    assertThat(run("man", "-w", "replicator-agent").exit()).isZero();
    // The page renders (asciidoctor wrote valid troff) and says what --help says.
    Result page = run("sh", "-c", "MANWIDTH=100 man -P cat replicator-agent 2>&1");
    assertThat(page.out()).contains("--config").contains("--node");

    assertThat(complete("replicator sta")).containsExactly("status");
    assertThat(complete("replicator imp")).containsExactly("import-lsyncd");
    assertThat(complete("replicator agent --no")).contains("--node");

    Result verify = run("systemd-analyze", "verify", UNIT.toString());
    assertThat(verify.exit()).as(verify.out()).isZero();
    assertThat(verify.out()).as("systemd-analyze verify is clean").isBlank();
    Result security = run("systemd-analyze", "security", "--offline=yes", UNIT.toString());
    Matcher m = EXPOSURE.matcher(security.out());
    assertThat(m.find()).as(security.out()).isTrue();
    assertThat(Double.parseDouble(m.group(1))).as(security.out()).isLessThanOrEqualTo(2.0);

    // Installing enables and starts nothing.
    assertThat(run("sh", "-c", "ls /etc/systemd/system/*.wants/ 2>/dev/null | grep -c replicator").out().trim()).isEqualTo("0");
    assertThat(run("dpkg-query", "-W", "-f=${Conffiles}", "replicator").out()).contains("/etc/replicator/cluster.yaml");

    // Remove keeps the configuration and the nodes' state; purge removes them.
    Path state = Path.of("/var/lib/replicator/web1/index");
    Files.createDirectories(state.getParent());
    Files.writeString(state, "state the agent would have written", StandardCharsets.UTF_8);
    assertThat(run("dpkg", "-r", "replicator").exit()).isZero();
    assertThat(Path.of("/usr/bin/replicator")).doesNotExist();
    assertThat(Path.of("/etc/replicator/cluster.yaml")).exists();
    assertThat(state).exists();
    Result purge = run("dpkg", "--purge", "replicator");
    assertThat(purge.exit()).as(purge.out()).isZero();
    installed = false;

    List<String> left = new ArrayList<>();
    for (String p : contents) {
      if (!preexisting.contains(p) && Files.exists(Path.of(p))) {
        left.add(p);
      }
    }
    assertThat(left).as("paths of the package left after purge").isEmpty();
    assertThat(Path.of("/var/lib/replicator")).doesNotExist();
  }

  /** Every path the package holds, files and folders, from {@code dpkg-deb -c}. */
  private static List<String> packagePaths() throws Exception {
    List<String> paths = new ArrayList<>();
    for (String line : run("sh", "-c", "dpkg-deb --fsys-tarfile '" + DEB + "' | tar -t").out().split("\n")) {
      String p = line.trim().replaceFirst("^\\./", "/").replaceFirst("(.)/$", "$1");
      if (!p.isEmpty() && !p.equals("/")) {
        paths.add(p);
      }
    }
    assertThat(paths).contains("/usr/bin/replicator", "/usr/share/replicator/replicator.jar", UNIT.toString());
    return paths;
  }

  /** dpkg -i, waiting (bounded) while another apt or dpkg run holds the lock. */
  private void install() {
    await("dpkg -i " + DEB).atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(3)).until(() -> {
      Result r = run("dpkg", "-i", DEB.toString());
      if (r.exit() == 0) {
        installed = true;
        return true;
      }
      assertThat(r.out()).as("dpkg -i failed for another reason than a busy lock").containsIgnoringCase("lock");
      return false;
    });
  }

  /** What bash-completion offers for the last word of {@code line}, through the installed script. */
  private static List<String> complete(String line) throws Exception {
    String script = String.join("\n",
        "source /usr/share/bash-completion/bash_completion",
        "_completion_loader replicator",  // bash-completion's lazy loader finds the script by name
        "fn=$(complete -p replicator | sed -E 's/.* -F ([^ ]+) .*/\\1/')",
        "COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}",
        "read -ra COMP_WORDS <<< \"$COMP_LINE\"; COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))",
        "\"$fn\" replicator \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"",
        "printf '%s\\n' \"${COMPREPLY[@]}\"");
    Result r = run("bash", "-c", script);
    assertThat(r.exit()).as(r.out()).isZero();
    return r.out().lines().map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  private static void requireOrSkip(boolean present, String what) {
    if (!present) {
      String message = "DebPackageIT needs " + what;
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError(message + " (CI=true: .ci/run must provide it)");
      }
      Assumptions.abort(message);
    }
  }

  private static boolean isRoot() throws Exception {
    return run("id", "-u").out().trim().equals("0");
  }

  record Result(int exit, String out) {}

  private static Result run(String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("LC_ALL", "C.UTF-8");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish in 2 minutes");
    }
    return new Result(p.exitValue(), out);
  }
}
