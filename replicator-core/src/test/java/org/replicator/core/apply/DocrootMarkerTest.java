package org.replicator.core.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.apply.MarkerState.Status;
import org.replicator.core.testing.TreeBuilder;
import org.replicator.core.testing.UnixJimfs;

/** The marker state table, on Jimfs; one round trip on the real disk for fsync and rename. */
class DocrootMarkerTest {
  private FileSystem fs;
  private Path docroot;
  private Path stateDir;

  @BeforeEach
  void setUp() {
    fs = UnixJimfs.newFileSystem();
    docroot = fs.getPath("/srv/www");
    stateDir = fs.getPath("/var/lib/replicator/web1");
  }

  @AfterEach
  void tearDown() throws IOException {
    fs.close();
  }

  private Status status() throws IOException {
    return DocrootMarker.check(docroot, stateDir).status();
  }

  @Test
  void missingDocrootWithoutIdentityIsFresh() throws IOException {
    MarkerState state = DocrootMarker.check(docroot, stateDir);

    assertThat(state.status()).isEqualTo(Status.FRESH);
    assertThat(state.message()).contains(docroot.toString(), stateDir.toString());
  }

  @Test
  void docrootWithOnlyLostFoundAndReplicatorDirIsEmpty() throws IOException {
    TreeBuilder.at(docroot).dir("lost+found").dir(".replicator/tmp");

    assertThat(status()).isEqualTo(Status.FRESH);
  }

  @Test
  void docrootWithFilesButNoMarkerNeedsAdoption() throws IOException {
    TreeBuilder.at(docroot).file("index.php", "<?php");

    MarkerState state = DocrootMarker.check(docroot, stateDir);

    assertThat(state.status()).isEqualTo(Status.MISSING_MARKER_NONEMPTY);
    assertThat(state.message()).contains(docroot.toString(), stateDir.toString(), "adopt");
    assertThat(state.isOk()).isFalse();
  }

  @Test
  void refusalNamesTheExactAdoptCommand() throws IOException {
    TreeBuilder.at(docroot).file("index.php", "<?php");
    String command = DocrootMarker.adoptCommand(Path.of("/etc/replicator/cluster.yaml"), "web2");

    MarkerState state = DocrootMarker.check(docroot, stateDir, command);

    assertThat(command).isEqualTo("replicator adopt --config /etc/replicator/cluster.yaml --node web2");
    assertThat(state.message()).endsWith("adopt it (its content will be kept and then converged with the master): " + command);
    assertThat(state.status().inWords()).isEqualTo("the docroot had files but no marker, and the state dir no identity");
  }

  @Test
  void initialisedDocrootIsOk() throws IOException {
    String id = DocrootMarker.initialise(docroot, stateDir, "blog");

    MarkerState state = DocrootMarker.check(docroot, stateDir);
    assertThat(state.isOk()).isTrue();
    assertThat(state.message()).contains(id, "blog");
    assertThat(Files.readString(DocrootMarker.markerFile(docroot), StandardCharsets.UTF_8)).contains("cluster=blog", "identity=" + id);
    assertThat(Files.readString(stateDir.resolve(DocrootMarker.IDENTITY), StandardCharsets.UTF_8)).contains("identity=" + id);
  }

  @Test
  void unmountedDocrootIsLost() throws IOException {
    DocrootMarker.initialise(docroot, stateDir, "blog");
    // An unmounted disk leaves the empty mount point behind.
    Files.delete(DocrootMarker.markerFile(docroot));
    Files.delete(docroot.resolve(".replicator"));

    MarkerState state = DocrootMarker.check(docroot, stateDir);

    assertThat(state.status()).isEqualTo(Status.LOST);
    assertThat(state.message()).contains("is empty", "not mounted", docroot.toString(), stateDir.toString());
  }

  @Test
  void missingDocrootWithIdentityIsLost() throws IOException {
    DocrootMarker.initialise(docroot, stateDir, "blog");
    Files.delete(DocrootMarker.markerFile(docroot));
    Files.delete(docroot.resolve(".replicator"));
    Files.delete(docroot);

    assertThat(DocrootMarker.check(docroot, stateDir).message()).contains("does not exist");
    assertThat(status()).isEqualTo(Status.LOST);
  }

  @Test
  void docrootWithFilesButMarkerRemovedIsLost() throws IOException {
    DocrootMarker.initialise(docroot, stateDir, "blog");
    TreeBuilder.at(docroot).file("index.php", "<?php");
    Files.delete(DocrootMarker.markerFile(docroot));

    assertThat(status()).isEqualTo(Status.LOST);
  }

  @Test
  void markerOfAnotherIdentityIsLost() throws IOException {
    DocrootMarker.initialise(docroot, stateDir, "blog");
    Path otherState = fs.getPath("/var/lib/replicator/other");
    String otherId = DocrootMarker.adopt(docroot, otherState, "blog");

    MarkerState state = DocrootMarker.check(docroot, stateDir);

    assertThat(state.status()).isEqualTo(Status.LOST);
    assertThat(state.message()).contains(otherId);
  }

  @Test
  void markerWithoutIdentityInStateDirNeedsAdoption() throws IOException {
    DocrootMarker.initialise(docroot, stateDir, "blog");
    Files.delete(stateDir.resolve(DocrootMarker.IDENTITY));

    assertThat(status()).isEqualTo(Status.NO_IDENTITY);
  }

  @Test
  void adoptingANonEmptyDocrootMakesItOk() throws IOException {
    TreeBuilder.at(docroot).file("index.php", "<?php");

    DocrootMarker.adopt(docroot, stateDir, "blog");

    assertThat(status()).isEqualTo(Status.OK);
    assertThat(Files.readString(docroot.resolve("index.php"), StandardCharsets.UTF_8)).isEqualTo("<?php");
  }

  @Test
  void initialiseRefusesAnythingButFresh() throws IOException {
    TreeBuilder.at(docroot).file("index.php", "<?php");

    assertThatThrownBy(() -> DocrootMarker.initialise(docroot, stateDir, "blog"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("refusing to initialise");
    assertThat(Files.exists(DocrootMarker.markerFile(docroot))).isFalse();
  }

  @Test
  void adoptRefusesAMissingDocroot() {
    assertThatThrownBy(() -> DocrootMarker.adopt(docroot, stateDir, "blog")).isInstanceOf(IOException.class);
  }

  @Test
  void malformedIdentityFileIsReportedNotGuessed() throws IOException {
    TreeBuilder.at(stateDir).file(DocrootMarker.IDENTITY, "garbage");

    assertThatThrownBy(() -> DocrootMarker.check(docroot, stateDir)).hasMessageContaining("identity=");
  }

  @Test
  void markerRoundTripsOnTheRealDisk(@TempDir Path tmp) throws IOException {
    Path www = tmp.resolve("www");
    Path state = tmp.resolve("state");

    DocrootMarker.initialise(www, state, "blog");

    assertThat(DocrootMarker.check(www, state).status()).isEqualTo(Status.OK);
    try (var entries = Files.list(www.resolve(".replicator"))) {
      assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("marker");
    }
  }
}
