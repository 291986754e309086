package org.replicator.core.ignore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.replicator.core.testing.Seeds;

/** '**' patterns agree with the explicit-depth reading of the same rule (seeded loops). */
class ExcludeMatcherPropertyTest {
  private static final ExcludeMatcher ANY_DEPTH_NAME = new ExcludeMatcher(List.of("**/target"));
  private static final ExcludeMatcher BARE_NAME = new ExcludeMatcher(List.of("target"));
  private static final ExcludeMatcher INSIDE = new ExcludeMatcher(List.of("a/**"));
  private static final ExcludeMatcher BETWEEN = new ExcludeMatcher(List.of("a/**/b"));
  private static final String[] NAMES = {"a", "b", "target", "x", "ab", "a.b"};

  private static List<String> components(Random random) {
    int n = 1 + random.nextInt(6);
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      parts.add(NAMES[random.nextInt(NAMES.length)]);
    }
    return parts;
  }

  @Test
  void leadingDoubleStarMatchesTheNameAtAnyDepthLikeABareName() {
    Random random = Seeds.random("leadingDoubleStar");
    for (int i = 0; i < Seeds.tries(2000); i++) {
      List<String> parts = components(random);
      String path = String.join("/", parts);
      boolean expected = parts.get(parts.size() - 1).equals("target");
      assertThat(ANY_DEPTH_NAME.excluded(path, false)).as(path).isEqualTo(expected);
      assertThat(BARE_NAME.excluded(path, false)).as(path).isEqualTo(expected);
    }
  }

  @Test
  void trailingDoubleStarMatchesEverythingStrictlyInside() {
    Random random = Seeds.random("trailingDoubleStar");
    for (int i = 0; i < Seeds.tries(2000); i++) {
      List<String> parts = components(random);
      String path = String.join("/", parts);
      boolean expected = parts.size() >= 2 && parts.get(0).equals("a");
      assertThat(INSIDE.excluded(path, false)).as(path).isEqualTo(expected);
    }
  }

  @Test
  void middleDoubleStarSpansZeroOrMoreDirectories() {
    Random random = Seeds.random("middleDoubleStar");
    for (int i = 0; i < Seeds.tries(2000); i++) {
      List<String> parts = components(random);
      String path = String.join("/", parts);
      boolean expected = parts.size() >= 2 && parts.get(0).equals("a") && parts.get(parts.size() - 1).equals("b");
      assertThat(BETWEEN.excluded(path, false)).as(path).isEqualTo(expected);
    }
  }
}
