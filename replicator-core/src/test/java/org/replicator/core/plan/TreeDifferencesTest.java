package org.replicator.core.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;

class TreeDifferencesTest {
  private static Entry file(String path, long size, long hash, int mode, long mtime) {
    return new Entry(path, EntryType.FILE, size, mtime, mode, 0, 0, hash, "", 1, 1, 1);
  }

  private static Entry dir(String path, long mtime) {
    return new Entry(path, EntryType.DIR, 0, mtime, 0755, 0, 0, 0, "", 2, 2, 1);
  }

  @Test
  void eachKindOfDriftIsNamedAndADirectoryMtimeAloneIsNot() {
    Index master = new Index();
    Index slave = new Index();
    master.put(dir("d", 100));
    slave.put(dir("d", 999)); // mtime only: not reported
    master.put(file("d/edited.php", 10, 1, 0644, 5));
    slave.put(file("d/edited.php", 12, 2, 0644, 5));
    master.put(file("d/same-size.php", 10, 1, 0644, 5));
    slave.put(file("d/same-size.php", 10, 3, 0644, 5));
    master.put(file("d/missing.jpg", 10, 1, 0644, 5));
    slave.put(file("d/extra.php", 10, 1, 0644, 5));
    master.put(file("d/mode.php", 10, 1, 0644, 5));
    slave.put(file("d/mode.php", 10, 1, 0777, 5));
    List<Map<String, String>> lines = TreeDifferences.describe(CatchUpPlanner.diff(slave, master, true, false), slave, master, false);
    assertThat(lines).extracting(l -> l.get("path") + ": " + l.get("difference")).containsExactlyInAnyOrder(
        "d/edited.php: content differs (12 bytes here, 10 on the master)",
        "d/same-size.php: content differs (same size)",
        "d/missing.jpg: missing file",
        "d/extra.php: extra: not on the master",
        "d/mode.php: metadata differs (mode, mtime or owner)");
  }
}
