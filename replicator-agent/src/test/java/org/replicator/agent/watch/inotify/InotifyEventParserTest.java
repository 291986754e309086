package org.replicator.agent.watch.inotify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-built {@code struct inotify_event} runs, as the kernel lays them out. */
class InotifyEventParserTest {
  private final ByteBuffer buf = ByteBuffer.allocate(1024).order(ByteOrder.nativeOrder());

  private void event(int wd, int mask, int cookie, String name, int len) {
    buf.putInt(wd).putInt(mask).putInt(cookie).putInt(len);
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    buf.put(bytes);
    for (int i = bytes.length; i < len; i++) {
      buf.put((byte) 0);
    }
  }

  private List<InotifyEvent> parse() throws Exception {
    List<InotifyEvent> out = new ArrayList<>();
    buf.flip();
    InotifyEventParser.parse(buf, out::add);
    return out;
  }

  @Test
  void parsesARunOfEventsWithPaddedNamesAndNoName() throws Exception {
    event(1, InotifyMask.IN_CREATE, 0, "a.php", 16);
    event(1, InotifyMask.IN_MOVED_FROM | InotifyMask.IN_ISDIR, 77, "old", 16);
    event(2, InotifyMask.IN_MOVED_TO | InotifyMask.IN_ISDIR, 77, "new", 16);
    event(3, InotifyMask.IN_IGNORED, 0, "", 0);
    event(-1, InotifyMask.IN_Q_OVERFLOW, 0, "", 0);

    assertThat(parse()).containsExactly(
        new InotifyEvent(1, InotifyMask.IN_CREATE, 0, "a.php"),
        new InotifyEvent(1, InotifyMask.IN_MOVED_FROM | InotifyMask.IN_ISDIR, 77, "old"),
        new InotifyEvent(2, InotifyMask.IN_MOVED_TO | InotifyMask.IN_ISDIR, 77, "new"),
        new InotifyEvent(3, InotifyMask.IN_IGNORED, 0, ""),
        new InotifyEvent(-1, InotifyMask.IN_Q_OVERFLOW, 0, ""));
  }

  @Test
  void oddNameLengthsAndMultiByteNamesAreDecodedUpToTheirNul() throws Exception {
    event(4, InotifyMask.IN_CLOSE_WRITE, 0, "é", 3); // 2 bytes + NUL: not a multiple of 4
    event(4, InotifyMask.IN_MODIFY, 0, "x", 1); // no NUL at all: the length ends the name
    event(4, InotifyMask.IN_ATTRIB, 0, "日本.txt", 32);

    assertThat(parse()).extracting(InotifyEvent::name).containsExactly("é", "x", "日本.txt");
  }

  @Test
  void cookieAboveTwoToTheThirtyOneIsKeptBitForBit() throws Exception {
    event(1, InotifyMask.IN_MOVED_FROM, 0xFFFF_FFF0, "f", 16);
    assertThat(parse().get(0).cookie()).isEqualTo(0xFFFF_FFF0);
  }

  @Test
  void aHeaderCutShortIsRefusedAfterTheWholeEventsBeforeIt() {
    event(1, InotifyMask.IN_CREATE, 0, "ok", 16);
    buf.putInt(2).putInt(InotifyMask.IN_DELETE); // 8 of 16 header bytes
    List<InotifyEvent> out = new ArrayList<>();
    buf.flip();

    assertThatThrownBy(() -> InotifyEventParser.parse(buf, out::add))
        .isInstanceOf(InotifyEventParser.MalformedEventsException.class)
        .hasMessageContaining("at byte 32").hasMessageContaining("8 bytes left");
    assertThat(out).extracting(InotifyEvent::name).containsExactly("ok");
  }

  @Test
  void aNameCutShortIsRefused() {
    buf.putInt(1).putInt(InotifyMask.IN_CREATE).putInt(0).putInt(16).put("abc".getBytes(StandardCharsets.UTF_8));
    buf.flip();

    assertThatThrownBy(() -> InotifyEventParser.parse(buf, e -> {}))
        .isInstanceOf(InotifyEventParser.MalformedEventsException.class)
        .hasMessageContaining("name takes 16 bytes, 3 left");
  }

  @Test
  void anAbsurdNameLengthIsRefusedWithoutAllocating() {
    buf.putInt(1).putInt(InotifyMask.IN_CREATE).putInt(0).putInt(-8);
    buf.flip();

    assertThatThrownBy(() -> InotifyEventParser.parse(buf, e -> {}))
        .isInstanceOf(InotifyEventParser.MalformedEventsException.class)
        .hasMessageContaining("claims a name of 4294967288 bytes");
  }

  @Test
  void anEmptyBufferHoldsNoEvent() throws Exception {
    assertThat(parse()).isEmpty();
  }

  @Test
  void describesMasksForLogs() {
    assertThat(InotifyMask.describe(InotifyMask.IN_CREATE | InotifyMask.IN_ISDIR)).isEqualTo("CREATE|ISDIR");
    assertThat(InotifyMask.describe(InotifyMask.IN_Q_OVERFLOW)).isEqualTo("Q_OVERFLOW");
  }
}
