package org.replicator.core.scan;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;

/** Where the scanner takes its lstat from when it is given a {@link LinkStat} (the agent's statx). */
class LinkStatSeamTest {
  @TempDir Path tmp;

  @Test
  void aLinkStatThatDeclinesLeavesTheAnswerToNio() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("www"));
    Files.writeString(root.resolve("a.php"), "x");
    Files.createDirectories(root.resolve("d"));
    List<String> asked = new ArrayList<>();
    LinkStat declining = (file, into) -> {
      asked.add(root.relativize(file).toString());
      return false;
    };

    ScanResult with = new Scanner(root, ExcludeFilter.NONE, true, ScanListener.NONE, declining).scan("", null);
    ScanResult without = new Scanner(root, ExcludeFilter.NONE, true, ScanListener.NONE).scan("", null);

    assertThat(with.entries()).isEqualTo(without.entries());
    assertThat(asked).contains("a.php", "d");
  }

  @Test
  void whatTheLinkStatAnswersIsWhatTheEntrySays() throws IOException {
    Path root = Files.createDirectories(tmp.resolve("www"));
    Files.writeString(root.resolve("a.php"), "x");
    LinkStat fixed = (file, into) -> {
      into.type = EntryType.FILE;
      into.size = 1;
      into.mtimeNanos = 42;
      into.ctimeNanos = 43;
      into.mode = 0640;
      into.inode = 7;
      into.nlink = 1;
      into.uid = 1000;
      into.gid = 1001;
      return true;
    };
    Scanner scanner = new Scanner(root, ExcludeFilter.NONE, false, ScanListener.NONE, fixed);

    Entry e = scanner.stat("a.php");

    assertThat(e).isEqualTo(new Entry("a.php", EntryType.FILE, 1, 42, 0640, -1, -1, 0, "", 7, 1, 43));
    // An unchanged survey returns the previous entry itself; a changed nlink does not.
    Index previous = new Index();
    Entry known = e.withHash(99);
    previous.put(known);
    assertThat(scanner.survey("", previous).entries()).singleElement().isSameAs(known);
    previous.put(new Entry("a.php", EntryType.FILE, 1, 42, 0640, -1, -1, 99, "", 7, 2, 43));
    assertThat(scanner.survey("", previous).entries()).singleElement().isEqualTo(known);
  }

  @Test
  void onJimfsTheLinkStatIsNeverAsked() throws IOException {
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      Path root = Files.createDirectories(fs.getPath("/www"));
      Files.writeString(root.resolve("a.php"), "x");
      LinkStat failing = (file, into) -> {
        throw new AssertionError("asked for " + file + " on Jimfs");
      };

      ScanResult r = new Scanner(root, ExcludeFilter.NONE, true, ScanListener.NONE, failing).scan("", null);

      assertThat(r.entries()).extracting(Entry::path).containsExactly("a.php");
    }
  }
}
