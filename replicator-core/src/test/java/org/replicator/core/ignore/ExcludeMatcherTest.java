package org.replicator.core.ignore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ExcludeMatcherTest {

  /** pattern, path, isDir, expected excluded(path) — one row per rule in the class doc. */
  @ParameterizedTest(name = "{0} vs {1} (dir={2}) -> {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        // leading '/' anchors to the docroot top
        "/wp-content/cache/ | wp-content/cache          | true  | true",
        "/wp-content/cache/ | a/wp-content/cache        | true  | false",
        "/debug.log         | debug.log                 | false | true",
        "/debug.log         | sub/debug.log             | false | false",
        // no '/' at all: a name at any depth
        "*.swp              | .index.php.swp            | false | true",
        "*.swp              | wp-content/themes/.a.swp  | false | true",
        "cache              | x/y/cache                 | false | true",
        "cache              | x/cache/y                 | false | false",
        // a '/' in the middle anchors
        "wp-content/cache   | wp-content/cache          | true  | true",
        "wp-content/cache   | x/wp-content/cache        | true  | false",
        // trailing '/' matches directories only
        "cache/             | a/cache                   | true  | true",
        "cache/             | a/cache                   | false | false",
        "/tmp/              | tmp                       | false | false",
        // '*' stays within one component, '?' one char
        "/uploads/*.log     | uploads/a.log             | false | true",
        "/uploads/*.log     | uploads/sub/a.log         | false | false",
        "/a?c               | abc                       | false | true",
        "/a?c               | a/c                       | false | false",
        "/a?c               | abbc                      | false | false",
        // classes
        "/log[0-9].txt      | log7.txt                  | false | true",
        "/log[0-9].txt      | logx.txt                  | false | false",
        "/log[!0-9].txt     | logx.txt                  | false | true",
        "/log[!0-9].txt     | log7.txt                  | false | false",
        "[abc]              | d/b                       | false | true",
        // '**' spans directories
        "**/x               | x                         | false | true",
        "**/x               | a/b/x                     | false | true",
        "a/**/b             | a/b                       | false | true",
        "a/**/b             | a/x/y/b                   | false | true",
        "a/**/b             | c/a/x/b                   | false | false",
        "x/**               | x/a                       | false | true",
        "x/**               | x/a/b/c                   | false | true",
        "x/**               | x                         | true  | false",
        "**                 | anything/at/all           | false | true",
        "a**b               | aXb                       | false | true",
        "a**b               | a/b                       | false | false",
        // regex metacharacters are literal
        "/a+b(1).php        | a+b(1).php                | false | true",
        "/a+b(1).php        | aab1.php                  | false | false",
        "\\*.txt            | *.txt                     | false | true",
        "\\*.txt            | a.txt                     | false | false",
        // non-ASCII names
        "/Ünïcødé/          | Ünïcødé                   | true  | true",
      })
  void eachRuleMatchesAsDocumented(String pattern, String path, boolean dir, boolean expected) {
    assertThat(new ExcludeMatcher(List.of(pattern)).excluded(path, dir)).isEqualTo(expected);
  }

  @Test
  void lastMatchingPatternWinsAndBangReincludes() {
    ExcludeMatcher m = new ExcludeMatcher(List.of("*.log", "!keep.log", "/forced/keep.log"));
    assertThat(m.excluded("a/x.log", false)).isTrue();
    assertThat(m.excluded("a/keep.log", false)).isFalse();
    assertThat(m.excluded("forced/keep.log", false)).isTrue();
  }

  @Test
  void bangCannotReincludeBelowAnExcludedDirectory() {
    ExcludeMatcher m = new ExcludeMatcher(List.of("/cache/", "!/cache/keep.html"));
    assertThat(m.excluded("cache/keep.html", false)).isFalse(); // the path alone
    assertThat(m.excludedOrUnder("cache/keep.html", false)).isTrue(); // its parent is excluded
  }

  @Test
  void excludedOrUnderConsultsAncestorsAsDirectories() {
    ExcludeMatcher m = new ExcludeMatcher(List.of("/wp-content/cache/"));
    assertThat(m.excluded("wp-content/cache/page/index.html", false)).isFalse();
    assertThat(m.excludedOrUnder("wp-content/cache/page/index.html", false)).isTrue();
    assertThat(m.excludedOrUnder("wp-content/cache", true)).isTrue();
    assertThat(m.excludedOrUnder("wp-content/cache", false)).isFalse();
    assertThat(m.excludedOrUnder("wp-content/cachex/a", false)).isFalse();
  }

  @Test
  void reservedFolderIsAlwaysExcludedAndCannotBeReincluded() {
    ExcludeMatcher m = new ExcludeMatcher(List.of("!/.replicator/", "!.replicator"));
    assertThat(m.excluded(".replicator", true)).isTrue();
    assertThat(m.excluded(".replicator/tmp/x", false)).isTrue();
    assertThat(m.excludedOrUnder(".replicator/tmp/x", false)).isTrue();
    assertThat(m.excluded("a/.replicator", true)).isFalse();
    assertThat(ExcludeFilter.NONE.excluded(".replicator", true)).isFalse();
  }

  @Test
  void wordpressDefaultsKeepPerNodeCachesAndLogsLocal() {
    ExcludeMatcher m = new ExcludeMatcher(ExcludeMatcher.WORDPRESS_DEFAULTS);
    assertThat(m.excludedOrUnder("wp-content/cache/supercache/example.com/index.html", false)).isTrue();
    assertThat(m.excludedOrUnder("wp-content/et-cache/12/et-core-unified-12.min.css", false)).isTrue();
    assertThat(m.excludedOrUnder("wp-content/wflogs/attack-data.php", false)).isTrue();
    assertThat(m.excludedOrUnder("wp-content/litespeed/css/a.css", false)).isTrue();
    assertThat(m.excludedOrUnder("wp-content/uploads/wc-logs/fatal-errors.log", false)).isTrue();
    assertThat(m.excluded("wp-content/debug.log", false)).isTrue();
    assertThat(m.excluded("wp-content/themes/x/.functions.php.swp", false)).isTrue();
    assertThat(m.excluded("wp-config.php~", false)).isTrue();
    assertThat(m.excluded(".#wp-config.php", false)).isTrue();
    // what must replicate
    assertThat(m.excludedOrUnder("wp-content/uploads/2024/05/photo.jpg", false)).isFalse();
    assertThat(m.excludedOrUnder("wp-content/plugins/w3-total-cache/cache.php", false)).isFalse();
    assertThat(m.excludedOrUnder("wp-content/advanced-cache.php", false)).isFalse();
    assertThat(m.excludedOrUnder("wp-content/object-cache.php", false)).isFalse();
    assertThat(m.excludedOrUnder("wp-config.php", false)).isFalse();
    assertThat(m.excludedOrUnder("wp-content/plugins/x/cache/a.php", false)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "!", "/", "!/", "//", "a//b", "../etc", "a/../b", "./a", "a/.", "a\0b", "[abc", "a\\", "a\nb"})
  void invalidPatternsAreRefusedNamingThePattern(String pattern) {
    assertThatThrownBy(() -> new ExcludeMatcher(List.of("ok", pattern)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("exclude pattern '");
  }

  @Test
  void nullPatternIsRefused() {
    assertThatThrownBy(() -> ExcludeMatcher.validatePattern(null)).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * A star between a literal prefix and suffix is matched without a regex (issue 16): the same
   * answers as the glob, including an empty middle, a name as short as prefix plus suffix, a
   * prefix and suffix that would overlap, and names at any depth.
   */
  @ParameterizedTest(name = "{0} vs {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "*.swp | a/.index.php.swp | true",
        "*.swp | .swp             | true",
        "*.swp | swp              | false",
        "*.swp | x.swp.bak        | false",
        "*~    | notes.txt~       | true",
        "*~    | ~                | true",
        "*~    | ~a               | false",
        ".#*   | d/.#wp-config.php | true",
        ".#*   | .#               | true",
        ".#*   | .x#              | false",
        "#*#   | #draft#          | true",
        "#*#   | ##               | true",
        "#*#   | #                | false",
        "a**b  | ab               | true",
        "a**b  | a-x-b            | true",
        "a**b  | aba              | false",
        "*     | anything         | true",
        "!*.swp | keep.swp        | false",
      })
  void aStarBetweenPrefixAndSuffixMatchesLikeTheGlob(String pattern, String path, boolean expected) {
    List<String> patterns = pattern.startsWith("!") ? List.of("*", pattern) : List.of(pattern);
    assertThat(new ExcludeMatcher(patterns).excluded(path, false)).isEqualTo(expected);
  }
}
