package org.replicator.core.config;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses {@code bandwidth_limit}: bytes per second, with rsync's suffix rule so that operators
 * coming from {@code rsync --bwlimit} read it the same way: {@code K}/{@code KiB} = 1024, {@code
 * KB} = 1000 (and M, G likewise); case-insensitive; decimals allowed ({@code 1.5M}); rounded down
 * to whole bytes. Unlike rsync, a bare number is bytes, not KiB. 0 means unlimited.
 *
 * <p>Non-zero values below {@link #MIN_BYTES_PER_SECOND} are refused: a limit of "10" bytes per
 * second would stall replication and is almost always a forgotten suffix.
 */
public final class Bandwidth {
  public static final long MIN_BYTES_PER_SECOND = 1000;

  private static final Pattern SYNTAX =
      Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(?:([kmg])(i?b)?)?", Pattern.CASE_INSENSITIVE);

  private Bandwidth() {}

  /** @throws IllegalArgumentException with a message fit for the operator */
  public static long parse(String text) {
    Matcher m = SYNTAX.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a rate; write bytes per second with an optional K, M or G suffix "
              + "(K/KiB = 1024, KB = 1000), e.g. 20M");
    }
    BigDecimal value = new BigDecimal(m.group(1));
    if (m.group(2) != null) {
      int exponent = "kmg".indexOf(m.group(2).toLowerCase(Locale.ROOT).charAt(0)) + 1;
      boolean decimal = m.group(3) != null && m.group(3).equalsIgnoreCase("b");
      value = value.multiply(BigDecimal.valueOf(decimal ? 1000 : 1024).pow(exponent));
    }
    if (value.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too large");
    }
    return checked(value.longValue(), text);
  }

  /** Validates a plain byte count (a YAML integer). */
  public static long checked(long bytesPerSecond, String asWritten) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("'" + asWritten + "' is negative; use 0 for unlimited");
    }
    if (bytesPerSecond > 0 && bytesPerSecond < MIN_BYTES_PER_SECOND) {
      throw new IllegalArgumentException(
          "'" + asWritten + "' is " + bytesPerSecond + " bytes per second, below the minimum of "
              + MIN_BYTES_PER_SECOND + "; did you forget a K or M suffix? (0 = unlimited)");
    }
    return bytesPerSecond;
  }
}
