package org.replicator.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What must hold after every apply test, whatever it did (the caffeine
 * CacheValidationInterceptor idea, as a helper that tests call from {@code @AfterEach}):
 *
 * <ul>
 *   <li>no temp file is left in {@code <docroot>/.replicator/tmp};
 *   <li>nothing outside the docroot changed: {@code base} (which contains the docroot and, for
 *       hostile tests, a sentinel tree that symlinks inside the docroot point to) is compared, minus
 *       the docroot, with its snapshot from {@link #watch} time, strictly (mtimes included).
 * </ul>
 */
public final class ApplyInvariants {
  private final Path docroot;
  private final Path base;
  private final String docrootName;
  private final TreeSnapshot outsideBefore;

  private ApplyInvariants(Path docroot, Path base) {
    this.docroot = docroot;
    this.base = base;
    this.docrootName = base.relativize(docroot).toString();
    this.outsideBefore = outside();
  }

  /** Starts watching; {@code docroot} must lie directly or deeper under {@code base}. */
  public static ApplyInvariants watch(Path docroot, Path base) {
    return new ApplyInvariants(docroot, base);
  }

  public void assertHeld() {
    List<String> problems = new ArrayList<>();
    List<String> leftovers = tempEntries(docroot);
    if (!leftovers.isEmpty()) {
      problems.add("temp files left in " + docroot.resolve(".replicator/tmp") + ": " + leftovers);
    }
    problems.addAll(outsideBefore.differences(outside(), TreeSnapshot.Compare.STRICT.withOwners()));
    if (!problems.isEmpty()) {
      throw new AssertionError("apply invariants broken:\n  " + String.join("\n  ", problems));
    }
  }

  /** Names in {@code <docroot>/.replicator/tmp}; empty when it does not exist. */
  public static List<String> tempEntries(Path docroot) {
    Path tmp = docroot.resolve(".replicator").resolve("tmp");
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(tmp)) {
      return names;
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp)) {
      entries.forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return names;
  }

  private TreeSnapshot outside() {
    return TreeSnapshot.of(base, rel -> rel.equals(docrootName));
  }
}
