package org.replicator.agent.watch.inotify;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Parses what one {@code read(2)} on an inotify descriptor returned: a run of
 * {@code struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; }} in the
 * host's byte order, each name NUL-terminated and NUL-padded to {@code len}. The kernel never
 * splits an event across reads, so a record cut short is a broken buffer, not a partial read:
 * it is reported, never guessed at.
 *
 * <p>Names are decoded as UTF-8, as the rest of the agent names files (invalid bytes become
 * U+FFFD, and such a path then fails to stat and is reported by the planner).
 */
public final class InotifyEventParser {
  /** {@code sizeof(struct inotify_event)} without the name. */
  public static final int HEADER_BYTES = 16;
  /** {@code NAME_MAX + 1}: no kernel sends a longer name field (len includes NUL and padding). */
  static final int MAX_NAME_BYTES = 4096;

  private InotifyEventParser() {}

  /** A buffer that does not hold whole events. */
  public static final class MalformedEventsException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedEventsException(String message) {
      super(message);
    }
  }

  /**
   * Parses {@code buffer} from its position to its limit (in native order whatever the buffer's
   * order is set to) and hands each event to {@code out}, in order. Returns the number of events.
   * The events before a malformed one have been delivered when the exception is thrown.
   */
  public static int parse(ByteBuffer buffer, Consumer<InotifyEvent> out) throws MalformedEventsException {
    ByteBuffer b = buffer.duplicate().order(ByteOrder.nativeOrder());
    int count = 0;
    while (b.hasRemaining()) {
      int at = b.position();
      if (b.remaining() < HEADER_BYTES) {
        throw new MalformedEventsException("inotify event at byte " + at + " is cut short: " + b.remaining()
            + " bytes left, a header takes " + HEADER_BYTES);
      }
      int wd = b.getInt();
      int mask = b.getInt();
      int cookie = b.getInt();
      int len = b.getInt();
      if (len < 0 || len > MAX_NAME_BYTES) {
        throw new MalformedEventsException("inotify event at byte " + at + " claims a name of " + Integer.toUnsignedString(len)
            + " bytes (at most " + MAX_NAME_BYTES + ")");
      }
      if (b.remaining() < len) {
        throw new MalformedEventsException("inotify event at byte " + at + " is cut short: its name takes " + len
            + " bytes, " + b.remaining() + " left");
      }
      String name = decodeName(b, len);
      out.accept(new InotifyEvent(wd, mask, cookie, name));
      count++;
    }
    return count;
  }

  /** The name up to its first NUL (the rest is padding); advances past the whole field. */
  private static String decodeName(ByteBuffer b, int len) {
    int start = b.position();
    int end = start;
    while (end < start + len && b.get(end) != 0) {
      end++;
    }
    byte[] bytes = new byte[end - start];
    b.get(bytes);
    b.position(start + len);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
