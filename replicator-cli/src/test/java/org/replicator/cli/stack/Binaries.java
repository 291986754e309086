package org.replicator.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The Debian binaries the stack tests drive. A missing one skips the test on a developer's machine
 * and fails it in CI ({@code CI=true}), where .ci/run installs them all.
 */
final class Binaries {
  private Binaries() {}

  /** The binary {@code name} from /usr/sbin, /usr/bin or /sbin (Debian puts daemons outside a user's PATH). */
  static Path require(String name, String debianPackage) {
    for (String dir : List.of("/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin")) {
      Path p = Path.of(dir, name);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    String why = name + " is not installed (apt-get install " + debianPackage + ")";
    if ("true".equals(System.getenv("CI"))) {
      throw new AssertionError(why + ": .ci/run must install it");
    }
    Assumptions.abort(why);
    throw new AssertionError("unreachable");
  }

  /** Tests that start servers as their Debian users (www-data, mysql) need root, as CI has. */
  static void requireRoot() {
    boolean root = "root".equals(System.getProperty("user.name"));
    if (!root && "true".equals(System.getenv("CI"))) {
      throw new AssertionError("the stack tests run as root in CI");
    }
    Assumptions.assumeTrue(root, "needs root (servers run as www-data and mysql)");
  }

  /** Exit code and merged output of a command that must finish within {@code seconds}. */
  record Run(int exit, String output) {}

  static Run run(int seconds, List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).as("%s finished in %d s", command, seconds).isTrue();
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
