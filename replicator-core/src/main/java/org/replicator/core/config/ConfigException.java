package org.replicator.core.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The cluster file is unusable. Carries what an operator needs to fix it: the file, the 1-based
 * line (0 when unknown, e.g. for a missing file), the dotted key ({@code nodes[1].port}, empty
 * when the problem is not about one key) and the problem itself. {@link #getMessage()} reads
 * {@code /etc/replicator/cluster.yaml:14: nodes[1].port: 70000 is out of range 1..65535}.
 */
public final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final int line;
  private final String key;
  private final String detail;

  public ConfigException(Path file, int line, String key, String detail) {
    super(format(file, line, key, detail));
    this.file = Objects.requireNonNull(file, "file");
    this.line = line;
    this.key = Objects.requireNonNull(key, "key");
    this.detail = Objects.requireNonNull(detail, "detail");
  }

  public ConfigException(Path file, int line, String key, String detail, Throwable cause) {
    this(file, line, key, detail);
    initCause(cause);
  }

  public Path file() {
    return file;
  }

  /** 1-based line, 0 when unknown. */
  public int line() {
    return line;
  }

  /** Dotted key path such as {@code nodes[1].port}; empty when not about one key. */
  public String key() {
    return key;
  }

  /** The problem without the file, line and key prefix. */
  public String detail() {
    return detail;
  }

  private static String format(Path file, int line, String key, String detail) {
    StringBuilder s = new StringBuilder().append(file);
    if (line > 0) {
      s.append(':').append(line);
    }
    s.append(": ");
    if (key != null && !key.isEmpty()) {
      s.append(key).append(": ");
    }
    return s.append(detail).toString();
  }
}
