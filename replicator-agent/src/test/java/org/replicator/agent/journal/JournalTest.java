package org.replicator.agent.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.plan.Content;
import org.replicator.core.plan.PlannedOp;

class JournalTest {
  private static final Journal.Settings SMALL = new Journal.Settings(1 << 20, 3600_000, 1024);

  @TempDir Path dir;

  private static List<PlannedOp> ops(long seq) {
    Meta meta = new Meta(0644, 1_700_000_000_000L + seq, 0, 0);
    return List.of(
        new PlannedOp(new Op.PutFile("wp-content/f" + seq + ".php", 10 + seq, meta), new Content.Inline(new byte[(int) (10 + seq)], seq * 31)),
        PlannedOp.of(new Op.Delete("old/" + seq)),
        PlannedOp.of(new Op.Move("a" + seq, "b" + seq)));
  }

  private static void appendRange(Journal j, long from, long to) throws IOException {
    for (long s = from; s <= to; s++) {
      j.append(s, 1000 * s, 10 + s, ops(s));
    }
  }

  private static List<Long> readAll(Journal j, long after) throws IOException {
    List<Long> seqs = new ArrayList<>();
    try (Journal.Reader r = j.reader(after)) {
      JournalEntry e;
      while ((e = r.next()) != null) {
        seqs.add(e.seq());
      }
    }
    return seqs;
  }

  private List<Path> segmentFiles() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
    }
  }

  @Test
  void appendedBatchesReadBackWithOpsAndHashesButNoContent() throws IOException {
    try (Journal j = Journal.open(dir, SMALL, 0)) {
      appendRange(j, 1, 3);
      try (Journal.Reader r = j.reader(1)) {
        JournalEntry e = r.next();
        assertThat(e.seq()).isEqualTo(2);
        assertThat(e.createdAtMillis()).isEqualTo(2000);
        assertThat(e.bytes()).isEqualTo(12);
        assertThat(e.ops().get(0).op()).isEqualTo(ops(2).get(0).op());
        assertThat(e.ops().get(0).content()).isEqualTo(new Content.OnDisk("wp-content/f2.php", 12, 62));
        assertThat(e.ops().subList(1, 3)).isEqualTo(ops(2).subList(1, 3));
        assertThat(r.next().seq()).isEqualTo(3);
        assertThat(r.next()).isNull();
        j.append(4, 4000, 0, ops(4));
        assertThat(r.next().seq()).isEqualTo(4); // a caught-up reader sees later appends
      }
    }
  }

  @Test
  void rotatesSegmentsAndReopensWithEverythingAndAckedPositions() throws IOException {
    try (Journal j = Journal.open(dir, SMALL, 0)) {
      appendRange(j, 1, 40);
      j.acknowledged("s1", 17);
      assertThat(j.segmentCount()).isGreaterThan(3);
    }
    try (Journal j = Journal.open(dir, SMALL, 5)) {
      assertThat(j.lastSeq()).isEqualTo(40);
      assertThat(j.ackedSeq("s1")).isEqualTo(17);
      assertThat(j.ackedSeq("s2")).isEqualTo(-1);
      assertThat(readAll(j, 17)).containsExactlyElementsOf(range(18, 40));
      appendRange(j, 41, 42);
      assertThat(readAll(j, 0)).containsExactlyElementsOf(range(1, 42));
      assertThatThrownBy(() -> j.append(42, 0, 0, List.of())).hasMessageContaining("batch 42 appended after batch 42");
    }
  }

  @Test
  void deletesSegmentsEverySlaveAcknowledgedAndReportsTheGap() throws IOException {
    try (Journal j = Journal.open(dir, SMALL, 0)) {
      appendRange(j, 1, 40);
      int before = j.segmentCount();
      j.acknowledged("s1", 30);
      j.prune(List.of("s1", "s2"), 40_000);
      assertThat(j.segmentCount()).isEqualTo(before); // s2 acknowledged nothing
      j.acknowledged("s2", 25);
      j.prune(List.of("s1", "s2"), 40_000);
      assertThat(j.segmentCount()).isLessThan(before);
      assertThat(j.covers(25)).isTrue();
      assertThat(readAll(j, 25)).containsExactlyElementsOf(range(26, 40));
      assertThat(j.covers(0)).isFalse();
      assertThatThrownBy(() -> readAll(j, 0)).isInstanceOf(JournalGapException.class).hasMessageContaining("slave is at 0");
    }
  }

  @Test
  void retentionBySizeAndAgeDropsOldestSegmentsKeepingTheNewest() throws IOException {
    try (Journal j = Journal.open(dir, new Journal.Settings(3000, 3600_000, 1024), 0)) {
      appendRange(j, 1, 60);
      j.prune(List.of("s1"), 60_000);
      assertThat(j.sizeBytes()).isLessThanOrEqualTo(3000);
      assertThat(j.covers(0)).isFalse();
      assertThat(readAll(j, j.lastSeq() - 3)).hasSize(3);
    }
    try (Journal j = Journal.open(dir, new Journal.Settings(1 << 20, 10_000, 1024), 0)) {
      j.prune(List.of("s1"), 60_000 + 10_001);
      assertThat(j.segmentCount()).isEqualTo(1); // every closed segment too old; the newest stays
      assertThat(j.lastSeq()).isEqualTo(60);
    }
  }

  @Test
  void tornTailIsTruncatedAtOpenAndAppendsContinue() throws IOException {
    try (Journal j = Journal.open(dir, SMALL, 0)) {
      appendRange(j, 1, 3);
    }
    Path seg = segmentFiles().get(segmentFiles().size() - 1);
    long size = Files.size(seg);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(size - 5); // batch 3 half written
    }
    try (Journal j = Journal.open(dir, SMALL, 0)) {
      assertThat(j.lastSeq()).isEqualTo(2);
      j.append(3, 3000, 0, ops(3));
      assertThat(readAll(j, 0)).containsExactly(1L, 2L, 3L);
    }
  }

  @Test
  void corruptRecordIsAnErrorNamingFileAndOffsetNeverSkipped() throws IOException {
    long secondAt;
    try (Journal j = Journal.open(dir, SMALL, 0)) {
      j.append(1, 1000, 0, ops(1));
      secondAt = j.sizeBytes();
      j.append(2, 2000, 0, ops(2));
      j.append(3, 3000, 0, ops(3));
    }
    Path seg = segmentFiles().get(0);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {0x55}), secondAt + Journal.HEADER + 30);
    }
    assertThatThrownBy(() -> Journal.open(dir, SMALL, 0))
        .isInstanceOf(JournalCorruptException.class)
        .hasMessageContaining(seg.toString())
        .hasMessageContaining("offset " + secondAt)
        .hasMessageContaining("CRC mismatch");
  }

  private static List<Long> range(long from, long to) {
    List<Long> r = new ArrayList<>();
    for (long s = from; s <= to; s++) {
      r.add(s);
    }
    return r;
  }
}
