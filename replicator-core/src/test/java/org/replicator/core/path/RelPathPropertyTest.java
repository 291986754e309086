package org.replicator.core.path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.replicator.core.testing.Seeds;

/**
 * Fuzzes path validation with hostile strings built from the pieces attackers use: "..", ".",
 * NUL and other control characters, leading and doubled '/', backslashes, unicode look-alikes,
 * over-long components and very deep paths. Every accepted path must stay lexically under the
 * root; every refusal must be an {@link UnsafePathException} (never another exception). 100,000
 * tries per property in the normal build; {@code -Dtest.tries=N} (the fuzz-long profile) runs more.
 */
class RelPathPropertyTest {
  private static final Path ROOT = Path.of("/srv/www/docroot");

  private static final String[] PIECES = {
    "..", ".", "", "a", "wp-content", "b.php", "/", "//", "\0", "\\", "..\\", "\u2025", "\uFF0E\uFF0E",
    "%2e%2e", "\u00e9", "\u65e5\u672c", "\uD83D\uDE00", "\n", "\u007f", ".replicator", " ", "...", "..a",
  };

  @Test
  void acceptedPathsAlwaysStayUnderTheRootAndRefusalsAreUnsafePathExceptions() {
    Random random = Seeds.random("RelPathPropertyTest.hostileStrings");
    int accepted = 0;
    int tries = Seeds.tries(100_000);
    for (int t = 0; t < tries; t++) {
      String candidate = hostile(random);
      boolean valid;
      try {
        assertThat(RelPath.validate(candidate)).isSameAs(candidate);
        valid = true;
      } catch (UnsafePathException e) {
        assertThat(e.getMessage()).startsWith("unsafe path '");
        valid = false;
      }
      if (valid) {
        accepted++;
        assertStaysUnderRoot(candidate);
      }
    }
    // The generator must exercise both outcomes, or the property proves nothing.
    assertThat(accepted).isGreaterThan(tries / 100).isLessThan(tries);
  }

  @Test
  void everyEscapeFormIsRefusedWhateverSurroundsIt() {
    Random random = Seeds.random("RelPathPropertyTest.escapes");
    String[] escapes = {"..", ".", ""};
    for (int t = 0, n = Seeds.tries(100_000); t < n; t++) {
      String prefix = validPath(random, random.nextInt(4));
      String suffix = validPath(random, random.nextInt(4));
      String bad = escapes[random.nextInt(escapes.length)];
      // An empty escape becomes "//", a leading or a trailing '/': all must be refused.
      String path = (prefix.isEmpty() ? "" : prefix + "/") + bad + (suffix.isEmpty() ? "" : "/" + suffix);
      assertThatThrownBy(() -> RelPath.validate(path)).isInstanceOf(UnsafePathException.class);
      assertThatThrownBy(() -> RelPath.validate("/" + path)).isInstanceOf(UnsafePathException.class);
      String withNul = prefix + "\0" + suffix;
      assertThatThrownBy(() -> RelPath.validate(withNul)).isInstanceOf(UnsafePathException.class);
    }
  }

  @Test
  void limitsAreExactBoundaries() {
    String component = "x".repeat(RelPath.MAX_COMPONENT_BYTES);
    assertThat(RelPath.isValid(component)).isTrue();
    assertThat(RelPath.isValid(component + "x")).isFalse();
    // Two-byte characters count in UTF-8 bytes, not chars.
    assertThat(RelPath.isValid("\u00e9".repeat(RelPath.MAX_COMPONENT_BYTES / 2 + 1))).isFalse();
    String deep = String.join("/", java.util.Collections.nCopies(RelPath.MAX_DEPTH, "d"));
    assertThat(RelPath.isValid(deep)).isTrue();
    assertThat(RelPath.isValid(deep + "/d")).isFalse();
    String longPath = String.join("/", java.util.Collections.nCopies(21, "y".repeat(200)));
    assertThat(longPath.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(RelPath.MAX_BYTES);
    assertThat(RelPath.isValid(longPath)).isFalse();
  }

  private static void assertStaysUnderRoot(String path) {
    assertThat(path).doesNotStartWith("/").doesNotContain("\0");
    assertThat(path.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(RelPath.MAX_BYTES);
    assertThat(RelPath.depth(path)).isLessThanOrEqualTo(RelPath.MAX_DEPTH);
    assertThat(path.split("/", -1)[0]).isNotEqualTo(RelPath.RESERVED);
    Path resolved = ROOT.resolve(path);
    // Lexically nothing to collapse: the path names exactly the entry it spells, below the root.
    assertThat(resolved.normalize()).isEqualTo(resolved);
    assertThat(resolved.startsWith(ROOT)).isTrue();
    assertThat(resolved).isNotEqualTo(ROOT);
    assertThat(resolved.getNameCount()).isEqualTo(ROOT.getNameCount() + RelPath.depth(path));
  }

  private static String hostile(Random random) {
    StringBuilder s = new StringBuilder();
    int pieces = 1 + random.nextInt(8);
    for (int i = 0; i < pieces; i++) {
      switch (random.nextInt(10)) {
        case 0:
          s.append("x".repeat(random.nextInt(2 * RelPath.MAX_COMPONENT_BYTES)));
          break;
        case 1:
          s.append("d/".repeat(random.nextInt(2 * RelPath.MAX_DEPTH)));
          break;
        case 2:
          s.append((char) random.nextInt(0x80));
          break;
        default:
          s.append(PIECES[random.nextInt(PIECES.length)]);
          if (random.nextBoolean()) {
            s.append('/');
          }
      }
    }
    return s.toString();
  }

  private static String validPath(Random random, int depth) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      s.append(i == 0 ? "" : "/").append("n").append(random.nextInt(1000));
    }
    return s.toString();
  }
}
