package org.replicator.core.path;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.replicator.core.testing.Seeds;

/**
 * Path validation against generated hostile names: built from the pieces that break receivers
 * ({@code ..} in every spelling, separators, NUL, over-long components, deep chains, the reserved
 * folder, look-alike Unicode), 100,000 per run in CI; {@code -Dtest.tries=N} runs longer. Whatever
 * {@link RelPath#validate} accepts must stay under the docroot once resolved, with nothing for
 * the file system to reinterpret; whatever it refuses must be refused with its own exception.
 */
class RelPathFuzzTest {
  private static final Path ROOT = Path.of("/srv/www/docroot");
  private static final String[] PIECES = {
    "..", ".", "/", "//", "\\", "\\..", "..\\", "\0", "a", "wp-content", "index.php", ".replicator", ".replicatorx",
    "...", ". .", "..%2f", "%2e%2e", "\u2024\u2024", "\uFF0E\uFF0E", "\u002e\u0301", "é", "\u202e", " ", "\n", "~", "-rf",
    "x".repeat(255), "y".repeat(256), "\uD83D\uDE00".repeat(64), "\uFFFD", "C:", "//server/share"
  };

  private static String generate(Random random) {
    StringBuilder b = new StringBuilder();
    int pieces = random.nextInt(12);
    if (random.nextInt(20) == 0) {
      pieces = 200 + random.nextInt(200); // deep or long
    }
    for (int i = 0; i < pieces; i++) {
      if (i > 0 && random.nextInt(3) > 0) {
        b.append('/');
      }
      b.append(PIECES[random.nextInt(PIECES.length)]);
    }
    return b.toString();
  }

  @Test
  void acceptedPathsStayUnderTheRootAndRefusalsAreClean() {
    Random random = Seeds.random("relPathFuzz");
    int accepted = 0;
    for (int i = 0, n = Seeds.tries(100_000); i < n; i++) {
      String candidate = generate(random);
      String valid;
      try {
        valid = RelPath.validate(candidate);
      } catch (UnsafePathException refused) {
        assertThat(refused.getMessage()).as("names the refused path or why").isNotBlank();
        continue;
      }
      accepted++;
      assertAcceptedIsSafe(candidate, valid);
    }
    // The generator must exercise both sides, or the property says nothing.
    assertThat(accepted).as("accepted paths among the generated ones").isGreaterThan(Seeds.tries(100_000) / 100);
  }

  private static void assertAcceptedIsSafe(String candidate, String valid) {
    assertThat(valid).isEqualTo(candidate);
    assertThat(valid).doesNotStartWith("/").doesNotContain("\0").doesNotContain("//");
    assertThat(valid.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(RelPath.MAX_BYTES);
    String[] components = valid.split("/", -1);
    assertThat(components.length).isLessThanOrEqualTo(RelPath.MAX_DEPTH);
    assertThat(components[0]).isNotEqualTo(RelPath.RESERVED);
    for (String c : components) {
      assertThat(c).isNotEmpty().isNotEqualTo(".").isNotEqualTo("..");
      assertThat(c.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(RelPath.MAX_COMPONENT_BYTES);
    }
    Path resolved = ROOT.resolve(valid);
    assertThat(resolved.normalize()).as("resolving %s", valid).isEqualTo(resolved);
    assertThat(resolved.startsWith(ROOT)).isTrue();
    assertThat(resolved.getNameCount()).isEqualTo(ROOT.getNameCount() + components.length);
  }

  @Test
  void everySpellingOfParentIsRefusedWhereverItStands() {
    for (String dots : new String[] {"..", "."}) {
      for (String path : new String[] {dots, dots + "/a", "a/" + dots, "a/" + dots + "/b", "a/b/" + dots}) {
        assertThat(RelPath.isValid(path)).as(path).isFalse();
      }
    }
    // Not separators or parents on Linux: plain names, kept as names under the root.
    for (String name : new String[] {"..\\etc", "%2e%2e", "\uFF0E\uFF0E", "...", "a\\..\\b"}) {
      assertThat(RelPath.isValid(name)).as(name).isTrue();
      assertThat(ROOT.resolve(name).getParent()).isEqualTo(ROOT);
    }
  }
}
