package org.replicator.core.index;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * 100,000 entries with WordPress-like paths (about 70 characters) must stay well under 40 MB of
 * heap. Measured here at about 25 MB (printed); the bound is loose because heap accounting after
 * System.gc() is approximate.
 */
class IndexMemoryTest {
  @Test
  void hundredThousandEntriesStayUnderFortyMegabytes() {
    Runtime rt = Runtime.getRuntime();
    long before = used(rt);
    Index index = new Index();
    for (int i = 0; i < 100_000; i++) {
      String path = "wp-content/uploads/20" + (10 + i % 15) + "/" + (1 + i % 12) + "/image-" + i + "-1024x768-scaled.jpeg";
      index.put(new Entry(path, EntryType.FILE, 100_000 + i, 1_700_000_000_000_000_000L + i, 0644, 33, 33, i * 31L, "",
          1_000_000 + i, 1, 1_700_000_000_000_000_000L + i));
    }
    long after = used(rt);
    long mb = (after - before) / (1024 * 1024);
    System.out.println("IndexMemoryTest: 100,000 entries use about " + mb + " MB of heap");
    assertThat(index.size()).isEqualTo(100_000);
    assertThat(after - before).isLessThan(40L * 1024 * 1024);
  }

  private static long used(Runtime rt) {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
