package org.replicator.core.config;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads the cluster file: YAML 1.2 (core schema, so {@code no} is a string, not false), one
 * document, composed into a node tree for line numbers and bound by hand, then validated. Every
 * problem is a {@link ConfigException} with file, line and key. Stateless; safe from any thread.
 */
public final class ClusterConfigLoader {
  /** A cluster file is a few kilobytes; refuse anything absurd before reading it all. */
  static final int MAX_CODE_POINTS = 1 << 20;

  private ClusterConfigLoader() {}

  public static ClusterConfig load(Path file) throws ConfigException {
    String text;
    try {
      if (Files.isDirectory(file)) {
        throw new ConfigException(file, 0, "", "is a directory, expected the cluster YAML file");
      }
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file, 0, "", "cluster file not found", e);
    } catch (AccessDeniedException e) {
      throw new ConfigException(file, 0, "", "cannot read the cluster file: permission denied", e);
    } catch (CharacterCodingException e) {
      throw new ConfigException(file, 0, "", "the cluster file is not valid UTF-8", e);
    } catch (IOException e) {
      throw new ConfigException(file, 0, "", "cannot read the cluster file: " + e, e);
    }
    return parse(text, file);
  }

  /** @param nameForErrors the file name errors and {@link ClusterConfig#sourceFile()} carry */
  public static ClusterConfig parse(String yaml, Path nameForErrors) throws ConfigException {
    LoadSettings settings =
        LoadSettings.builder()
            .setLabel(nameForErrors.toString())
            .setSchema(new CoreSchema())
            .setAllowDuplicateKeys(false)
            .setCodePointLimit(MAX_CODE_POINTS)
            .build();
    Optional<Node> root;
    try {
      root = new Compose(settings).composeString(yaml);
    } catch (MarkedYamlEngineException e) {
      int line = e.getProblemMark().or(e::getContextMark).map(m -> m.getLine() + 1).orElse(0);
      String context = e.getContext() == null ? "" : e.getContext() + ": ";
      throw new ConfigException(nameForErrors, line, "", "YAML syntax error: " + context + e.getProblem(), e);
    } catch (YamlEngineException e) {
      throw new ConfigException(nameForErrors, 0, "", "YAML error: " + e.getMessage(), e);
    }
    if (root.isEmpty()) {
      throw new ConfigException(nameForErrors, 0, "", "the cluster file is empty; it needs at least cluster, docroot and nodes");
    }
    KeyLines lines = new KeyLines();
    lines.put("", StrictYaml.line(root.get()));
    ClusterConfig config = new ClusterConfigBinder(nameForErrors, lines).bind(root.get());
    ClusterConfigValidator.validate(config, lines);
    return config;
  }
}
