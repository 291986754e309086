package org.replicator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CLI's main sources reach the agent only through its public surface,
 * {@code org.replicator.agent.api}, and commands do not import {@link Main} (which imports
 * them). A plain scan of the source text: imports and fully qualified names both count.
 */
class CliImportsTest {
  private static final Path SOURCES = Path.of("src/main/java");
  private static final Pattern AGENT_NAME = Pattern.compile("org\\.replicator\\.agent\\.([a-z][a-z0-9_]*)");

  @Test
  void cliUsesNoAgentPackageButTheApi() throws IOException {
    List<String> leaks = new ArrayList<>();
    for (Path file : javaFiles()) {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      Matcher m = AGENT_NAME.matcher(text);
      while (m.find()) {
        if (!m.group(1).equals("api")) {
          leaks.add(SOURCES.relativize(file) + ": " + m.group());
        }
      }
    }
    assertThat(leaks).as("agent internals named by the CLI").isEmpty();
  }

  @Test
  void commandsDoNotImportMain() throws IOException {
    List<String> loops = new ArrayList<>();
    for (Path file : javaFiles()) {
      if (file.getParent().endsWith("command")
          && Files.readString(file, StandardCharsets.UTF_8).contains("import org.replicator.cli.Main;")) {
        loops.add(SOURCES.relativize(file).toString());
      }
    }
    assertThat(loops).as("commands importing Main").isEmpty();
  }

  @Test
  void theScanSeesTheSources() throws IOException {
    // Guards the two tests above against passing on an empty or moved source tree.
    assertThat(javaFiles()).anyMatch(f -> f.endsWith("Main.java")).anyMatch(f -> f.endsWith("DemoCommand.java"));
  }

  private static List<Path> javaFiles() throws IOException {
    try (Stream<Path> files = Files.walk(SOURCES)) {
      return files.filter(f -> f.toString().endsWith(".java")).toList();
    }
  }
}
