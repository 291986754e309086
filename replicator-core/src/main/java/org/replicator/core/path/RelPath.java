package org.replicator.core.path;

import java.nio.charset.StandardCharsets;

/**
 * Relative docroot paths as they travel and are stored: UTF-8, '/'-separated, no leading or
 * trailing '/', no empty, "." or ".." components, no NUL, components of at most 255 bytes, at
 * most {@link #MAX_BYTES} bytes and {@link #MAX_DEPTH} components. The reserved top-level folder
 * {@code .replicator} is never a valid replicated path.
 *
 * <p>Validation is purely lexical; the applier also refuses symlinks in the parents on disk.
 */
public final class RelPath {
  public static final int MAX_BYTES = 4096;
  public static final int MAX_COMPONENT_BYTES = 255;
  public static final int MAX_DEPTH = 256;
  public static final String RESERVED = ".replicator";

  private RelPath() {}

  /** Returns {@code path} unchanged when valid; throws {@link UnsafePathException} otherwise. */
  public static String validate(String path) {
    if (path == null || path.isEmpty()) {
      throw new UnsafePathException(String.valueOf(path), "empty path");
    }
    if (path.indexOf('\0') >= 0) {
      throw new UnsafePathException(path, "contains a NUL byte");
    }
    if (path.indexOf('\uFFFD') >= 0) {
      throw new UnsafePathException(path, "is not valid UTF-8");
    }
    if (path.charAt(0) == '/') {
      throw new UnsafePathException(path, "is absolute");
    }
    byte[] utf8 = path.getBytes(StandardCharsets.UTF_8);
    if (utf8.length > MAX_BYTES) {
      throw new UnsafePathException(path, "is " + utf8.length + " bytes long, the limit is " + MAX_BYTES);
    }
    int depth = 0;
    int start = 0;
    while (start <= path.length()) {
      int slash = path.indexOf('/', start);
      int end = slash < 0 ? path.length() : slash;
      String component = path.substring(start, end);
      if (component.isEmpty()) {
        throw new UnsafePathException(path, "has an empty component");
      }
      if (component.equals(".") || component.equals("..")) {
        throw new UnsafePathException(path, "has a '" + component + "' component");
      }
      int bytes = component.getBytes(StandardCharsets.UTF_8).length;
      if (bytes > MAX_COMPONENT_BYTES) {
        throw new UnsafePathException(path, "has a component of " + bytes + " bytes, the limit is " + MAX_COMPONENT_BYTES);
      }
      if (depth == 0 && component.equals(RESERVED)) {
        throw new UnsafePathException(path, "is inside the reserved folder " + RESERVED);
      }
      if (++depth > MAX_DEPTH) {
        throw new UnsafePathException(path, "is deeper than " + MAX_DEPTH + " components");
      }
      if (slash < 0) {
        break;
      }
      start = slash + 1;
    }
    return path;
  }

  public static boolean isValid(String path) {
    try {
      validate(path);
      return true;
    } catch (UnsafePathException e) {
      return false;
    }
  }

  /** Parent path, or "" for a top-level name. */
  public static String parent(String path) {
    int slash = path.lastIndexOf('/');
    return slash < 0 ? "" : path.substring(0, slash);
  }

  public static String name(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  public static String join(String parent, String name) {
    return parent.isEmpty() ? name : parent + "/" + name;
  }

  /** True when {@code path} equals {@code ancestor} or lies below it. */
  public static boolean isSameOrUnder(String path, String ancestor) {
    return path.equals(ancestor)
        || (path.length() > ancestor.length() && path.startsWith(ancestor) && path.charAt(ancestor.length()) == '/');
  }

  public static int depth(String path) {
    int depth = 1;
    for (int i = 0; i < path.length(); i++) {
      if (path.charAt(i) == '/') {
        depth++;
      }
    }
    return depth;
  }
}
