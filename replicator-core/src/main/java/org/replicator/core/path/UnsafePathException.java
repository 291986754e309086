package org.replicator.core.path;

/** A path that must never be written: the peer (or the local tree) offered it, we refuse it. */
public final class UnsafePathException extends RuntimeException {
  private final String path;

  public UnsafePathException(String path, String reason) {
    super("unsafe path '" + printable(path) + "': " + reason);
    this.path = path;
  }

  public String path() {
    return path;
  }

  /** Escapes control characters so that a hostile name cannot forge log lines. */
  public static String printable(String s) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), 300));
    for (int i = 0; i < s.length() && out.length() < 300; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format(java.util.Locale.ROOT, "\\x%02x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
