package org.replicator.core.delta;

/**
 * A delta that cannot be applied as sent: a copy outside the basis, more bytes than the declared
 * size, a basis or result hash that differs. Raised before the offending bytes are written, so the
 * caller can throw the temp file away and keep the old version.
 */
public final class DeltaException extends Exception {
  private static final long serialVersionUID = 1L;

  public DeltaException(String message) {
    super(message);
  }
}
