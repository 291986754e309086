package org.replicator.core.config;

/**
 * The master's change journal retention ({@code journal:} in the cluster file): a slave away
 * longer than this, or behind more bytes of batches, is caught up by tree comparison instead.
 */
public record JournalConfig(long maxBytes, long maxAgeSeconds) {
  public static final long DEFAULT_MAX_BYTES = 1L << 30;
  public static final long DEFAULT_MAX_AGE_SECONDS = 24 * 3600;
  public static final JournalConfig DEFAULTS = new JournalConfig(DEFAULT_MAX_BYTES, DEFAULT_MAX_AGE_SECONDS);
}
