package org.replicator.core.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.replicator.core.apply.ApplyException.Kind;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.op.Op;
import org.replicator.core.testing.ApplyInvariants;
import org.replicator.core.testing.RecordingApplyListener;
import org.replicator.core.testing.TreeBuilder;
import org.replicator.core.testing.UnixJimfs;

/** The applier contract on Jimfs (no chown, no measurable holes), plus a disk-full case. */
class ApplierOnJimfsTest extends ApplierContractTest {
  private FileSystem fs;

  ApplierOnJimfsTest() {
    super(false, false);
  }

  @Override
  Path newBase() throws IOException {
    fs = UnixJimfs.newFileSystem();
    return Files.createDirectories(fs.getPath("/base"));
  }

  @Override
  void closeBase() throws IOException {
    fs.close();
  }

  @Test
  void fullDiskFailsWithNoSpaceKeepsOldFileAndLeavesNoTemp() throws Exception {
    try (FileSystem small = UnixJimfs.withMaxSize(64 * 1024)) {
      Path www = small.getPath("/www");
      TreeBuilder.at(www).file("a.php", "old");
      try (Applier a = new Applier(www, new ApplierOptions(true, false, true), new RecordingApplyListener())) {
        a.start();
        a.beginBatch(1);
        byte[] content = new byte[40 * 1024];
        FileSink sink = a.beginPut(new Op.PutFile("a.php", content.length, FILE_META));
        // It fitted when announced; another writer then takes the space (the write must cope).
        Files.write(small.getPath("/filler"), new byte[40 * 1024]);
        ApplyException e = org.assertj.core.api.Assertions.catchThrowableOfType(ApplyException.class,
            () -> {
              sink.write(ByteBuffer.wrap(content));
              sink.commit(ContentHasher.of(content));
            });
        a.endBatch(1);

        assertThat(e.kind()).isEqualTo(Kind.NO_SPACE);
        assertThat(e).hasMessage("cannot apply PutFile a.php: no space left on device; old file kept");
        assertThat(Files.readString(www.resolve("a.php"), StandardCharsets.UTF_8)).isEqualTo("old");
        assertThat(ApplyInvariants.tempEntries(www)).isEmpty();
      }
    }
  }

  @Test
  void putLargerThanTheFreeSpaceIsRefusedBeforeAnyTempFile() throws Exception {
    try (FileSystem small = UnixJimfs.withMaxSize(64 * 1024)) {
      Path www = small.getPath("/www");
      TreeBuilder.at(www).file("a.php", "old");
      try (Applier a = new Applier(www, new ApplierOptions(true, false, true), new RecordingApplyListener())) {
        a.start();
        a.beginBatch(1);
        ApplyException e = org.assertj.core.api.Assertions.catchThrowableOfType(ApplyException.class,
            () -> a.beginPut(new Op.PutFile("a.php", 128 * 1024, FILE_META)));
        a.endBatch(1);

        assertThat(e.kind()).isEqualTo(Kind.NO_SPACE);
        assertThat(e).hasMessageContaining("it is 131072 bytes").hasMessageContaining("free on the slave's docroot");
        assertThat(Files.readString(www.resolve("a.php"), StandardCharsets.UTF_8)).isEqualTo("old");
        assertThat(ApplyInvariants.tempEntries(www)).isEmpty();
      }
    }
  }
}
