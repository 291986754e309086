package org.replicator.core.config;

import java.util.List;
import java.util.Objects;
import org.replicator.core.ignore.ExcludeMatcher;

/**
 * One post-apply hook of a slave (cluster file {@code hooks:}, docs/configuration.md): after a
 * batch is applied and acknowledged, the slave runs {@code run} once if the batch changed a path
 * that {@code match} selects, and hands it the matching paths. {@code run} is an argv list, never
 * a shell string: file names are never parsed by a shell. {@code match} uses the exclude syntax
 * (gitignore-like, later patterns win, '!' unselects); a directory pattern selects what is below it.
 */
public record HookConfig(String name, List<String> match, List<String> run, int timeoutSeconds, PathPassing paths) {
  public static final int DEFAULT_TIMEOUT_SECONDS = 60;
  /** Per node: each hook may hold one queued run on the slave's hook executor, whose queue is this long. */
  public static final int MAX_HOOKS = 256;

  /** How the matching paths reach the hook. */
  public enum PathPassing {
    /** NUL-separated on standard input (the default: no argument length limit to think about). */
    STDIN("stdin"),
    /** Appended to {@code run} as arguments, one path per argument. */
    ARGS("args");

    private final String yamlName;

    PathPassing(String yamlName) {
      this.yamlName = yamlName;
    }

    public String yamlName() {
      return yamlName;
    }
  }

  public HookConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(paths, "paths");
    match = List.copyOf(match);
    run = List.copyOf(run);
  }

  /** Compiles {@link #match()}; build once per configuration. */
  public ExcludeMatcher matcher() {
    return new ExcludeMatcher(match);
  }
}
