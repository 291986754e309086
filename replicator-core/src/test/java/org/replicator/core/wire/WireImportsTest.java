package org.replicator.core.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code wire} knows nothing of the planner or the applier (shared/STYLE.md, "Layout"): a scan of its sources. */
class WireImportsTest {
  private static final Path WIRE = Path.of("src/main/java/org/replicator/core/wire");

  @Test
  void wireNamesNeitherPlanNorApply() throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.list(WIRE)) {
      files = walk.filter(f -> f.toString().endsWith(".java")).toList();
    }
    assertThat(files).anyMatch(f -> f.endsWith("OpRecordCodec.java"));
    for (Path f : files) {
      String text = Files.readString(f, StandardCharsets.UTF_8);
      assertThat(text).as(f.toString()).doesNotContain("org.replicator.core.plan").doesNotContain("org.replicator.core.apply");
    }
  }
}
