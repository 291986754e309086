package org.replicator.agent.role;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.role.Epoch;

class EpochStoreTest {
  private static final Epoch INITIAL = new Epoch(0, "web1");
  @TempDir Path dir;

  @Test
  void aMissingFileIsTheClusterFilesEpochZero() throws IOException {
    EpochStore store = EpochStore.open(dir, INITIAL);
    assertThat(store.current()).isEqualTo(INITIAL);
    assertThat(dir.resolve("epoch")).doesNotExist();
  }

  @Test
  void theFirstEpochIsWrittenSoAnEditedClusterFileCannotChangeWhatThisNodeWas() throws IOException {
    EpochStore.open(dir, INITIAL).persistIfMissing();
    assertThat(Files.readString(dir.resolve("epoch"))).isEqualTo("epoch=0\nmaster=web1\n");
    // The file now names web2 as master (edited after a failover): the node still knows epoch 0 was web1's.
    assertThat(EpochStore.open(dir, new Epoch(0, "web2")).current()).isEqualTo(INITIAL);
  }

  @Test
  void aNewerEpochIsPersistedAndSurvivesAReopen() throws IOException {
    EpochStore store = EpochStore.open(dir, INITIAL);
    assertThat(store.adopt(new Epoch(2, "web3"))).isTrue();
    assertThat(Files.readString(dir.resolve("epoch"))).isEqualTo("epoch=2\nmaster=web3\n");
    assertThat(dir.resolve("epoch.tmp")).doesNotExist();
    assertThat(EpochStore.open(dir, INITIAL).current()).isEqualTo(new Epoch(2, "web3"));
  }

  @Test
  void anEpochNeverGoesBack() throws IOException {
    EpochStore store = EpochStore.open(dir, INITIAL);
    store.adopt(new Epoch(3, "web2"));
    assertThat(store.adopt(new Epoch(2, "web1"))).isFalse();
    assertThat(store.adopt(new Epoch(3, "web1"))).isFalse();
    assertThat(EpochStore.open(dir, INITIAL).current()).isEqualTo(new Epoch(3, "web2"));
  }

  @Test
  void aCorruptFileIsAnErrorNamingItNeverEpochZero() throws IOException {
    Path file = dir.resolve("epoch");
    for (String text : new String[] {"epoch=two\nmaster=web2\n", "epoch=-1\nmaster=web2\n", "epoch=1\n", "garbage", ""}) {
      Files.writeString(file, text, StandardCharsets.UTF_8);
      assertThatThrownBy(() -> EpochStore.open(dir, INITIAL)).as(text).isInstanceOf(IOException.class)
          .hasMessageContaining(file.toString()).hasMessageContaining("corrupt epoch file").hasMessageContaining("replicator promote");
    }
    Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, 'x'});
    assertThatThrownBy(() -> EpochStore.open(dir, INITIAL)).hasMessageContaining(file.toString()).hasMessageContaining("not UTF-8");
  }
}
