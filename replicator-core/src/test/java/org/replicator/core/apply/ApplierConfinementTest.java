package org.replicator.core.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.apply.ApplyException.Kind;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.testing.RecordingApplyListener;

/** Receiver confinement on the real disk: symlinks in every place and a local attacker racing. */
class ApplierConfinementTest {
  private static final Meta FILE = new Meta(0644, 1_700_000_000_123_456_789L, Meta.NO_OWNER, Meta.NO_OWNER);
  private static final Meta DIR = new Meta(0755, 1_700_000_000_000_000_000L, Meta.NO_OWNER, Meta.NO_OWNER);

  @TempDir Path base;
  private Path root;
  private Path outside;
  private Applier applier;
  private long seq;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectory(base.resolve("www"));
    outside = Files.createDirectory(base.resolve("outside"));
    Files.writeString(outside.resolve("secret.txt"), "secret");
    applier = new Applier(root, new ApplierOptions(false, false, true), new RecordingApplyListener());
    applier.start();
  }

  @AfterEach
  void tearDown() {
    applier.close();
  }

  @Test
  void defaultFileSystemIsAlwaysWorkedThroughASecureDirectoryStream() throws Exception {
    try (ConfinedTree tree = ConfinedTree.open(root, new TempFiles(root))) {
      assertThat(tree.secure()).isTrue();
    }
    try (var stream = Files.newDirectoryStream(root)) {
      assertThat(stream).isInstanceOf(java.nio.file.SecureDirectoryStream.class);
    }
  }

  @Test
  void symlinkCreatedEarlierInTheSameBatchIsNotUsedAsParent() throws Exception {
    applier.beginBatch(++seq);
    applier.apply(new Op.Symlink("evil", outside.toString(), FILE));
    ApplyException e = catchApply(() -> put("evil/planted.php", "x"));
    applier.endBatch(seq);
    assertThat(e.kind()).isEqualTo(Kind.UNSAFE_PATH);
    assertThat(e.getMessage()).contains("evil");
    assertOutsideUntouched();
  }

  @Test
  void everyOpThroughASymlinkedParentIsRefused() throws Exception {
    Files.createSymbolicLink(root.resolve("evil"), outside);
    Files.writeString(root.resolve("here.txt"), "here");
    Op[] ops = {
      new Op.Mkdir("evil/d", DIR), new Op.Symlink("evil/l", "x", FILE), new Op.Hardlink("evil/h", "here.txt"),
      new Op.Hardlink("h", "evil/secret.txt"), new Op.Delete("evil/secret.txt"), new Op.Move("evil/secret.txt", "stolen"),
      new Op.Move("here.txt", "evil/here.txt"), new Op.SetMeta("evil/secret.txt", new Meta(0777, 0, Meta.NO_OWNER, Meta.NO_OWNER))
    };
    for (Op op : ops) {
      applier.beginBatch(++seq);
      ApplyException e = catchApply(() -> applier.apply(op));
      applier.endBatch(seq);
      assertThat(e.kind()).as("%s", op).isEqualTo(Kind.UNSAFE_PATH);
    }
    assertThat(root.resolve("stolen")).doesNotExist();
    assertThat(root.resolve("h")).doesNotExist();
    assertOutsideUntouched();
  }

  @Test
  void basisBehindASymlinkedParentIsNeitherStattedNorReadButRefusedAsBasisMismatch() throws Exception {
    Files.createSymbolicLink(root.resolve("evil"), outside);
    byte[] secret = "secret".getBytes(StandardCharsets.UTF_8);
    Op.PutFile patch = new Op.PutFile("evil/secret.txt", 6, FILE, new Op.Basis(ContentHasher.of(secret), secret.length));
    applier.beginBatch(++seq);
    assertThat(catchApply(() -> applier.beginPut(patch)).kind()).isEqualTo(Kind.BASIS_MISMATCH);
    assertThat(catchApply(() -> applier.basisStat("evil/secret.txt")).kind()).isEqualTo(Kind.BASIS_MISMATCH);
    assertThat(catchApply(() -> applier.basisHash("evil/secret.txt")).kind()).isEqualTo(Kind.BASIS_MISMATCH);
    applier.endBatch(seq);
    assertOutsideUntouched();
  }

  @Test
  void basisThatIsASymlinkIsRefused() throws Exception {
    Files.createSymbolicLink(root.resolve("ln"), outside.resolve("secret.txt"));
    Op.PutFile patch = new Op.PutFile("ln", 6, FILE, new Op.Basis(ContentHasher.of("secret".getBytes(StandardCharsets.UTF_8)), 6));
    applier.beginBatch(++seq);
    assertThat(catchApply(() -> applier.beginPut(patch)).kind()).isEqualTo(Kind.BASIS_MISMATCH);
    assertThatThrownBy(() -> applier.basisHash("ln")).isInstanceOf(ApplyException.class);
    applier.endBatch(seq);
  }

  @Test
  void symlinkAsFinalComponentIsReplacedNotFollowed() throws Exception {
    Files.createSymbolicLink(root.resolve("ln"), outside.resolve("secret.txt"));
    applier.beginBatch(++seq);
    put("ln", "mine");
    applier.endBatch(seq);
    assertThat(Files.isSymbolicLink(root.resolve("ln"))).isFalse();
    assertThat(Files.readString(root.resolve("ln"))).isEqualTo("mine");
    assertOutsideUntouched();
  }

  @Test
  void setuidSetgidAndStickyBitsAreStripped() throws Exception {
    applier.beginBatch(++seq);
    byte[] content = "#!/bin/sh".getBytes(StandardCharsets.UTF_8);
    FileSink sink = applier.beginPut(new Op.PutFile("bin", content.length, new Meta(07755, 0, Meta.NO_OWNER, Meta.NO_OWNER)));
    sink.write(ByteBuffer.wrap(content));
    sink.commit(ContentHasher.of(content));
    applier.apply(new Op.Mkdir("tmpdir", new Meta(01777, 0, Meta.NO_OWNER, Meta.NO_OWNER)));
    applier.endBatch(seq);
    assertThat((Integer) Files.getAttribute(root.resolve("bin"), "unix:mode") & 07777).isEqualTo(0755);
    assertThat((Integer) Files.getAttribute(root.resolve("tmpdir"), "unix:mode") & 07777).isEqualTo(0777);
  }

  /**
   * A local attacker flips {@code d} between a real directory and a symlink to the outside
   * directory as fast as it can while the applier writes files under {@code d}: every write lands
   * inside the docroot or fails, and the outside directory never gains or changes an entry.
   */
  @Test
  void parentFlippedToASymlinkInATightLoopNeverLetsAWriteOut() throws Exception {
    Path d = root.resolve("d");
    Path real = base.resolve("real-d"); // the attacker's spare real directory, outside the docroot too
    Path flip = base.resolve("flip");
    Files.createDirectory(d);
    Files.createDirectory(real);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger flips = new AtomicInteger();
    Thread attacker = new Thread(() -> {
      while (!stop.get()) {
        try {
          // Swap d for a symlink to outside, then back: rename(2) is atomic, so both states are real.
          Files.createSymbolicLink(flip, outside);
          Files.move(d, real.resolve("saved"), StandardCopyOption.ATOMIC_MOVE);
          Files.move(flip, d, StandardCopyOption.ATOMIC_MOVE);
          Thread.onSpinWait();
          Files.delete(d);
          Files.move(real.resolve("saved"), d, StandardCopyOption.ATOMIC_MOVE);
          flips.incrementAndGet();
        } catch (IOException e) {
          // A lost race with itself: tidy up and go on.
          try {
            Files.deleteIfExists(flip);
          } catch (IOException ignored) {
            // next round
          }
        }
      }
    }, "attacker");
    attacker.start();
    int written = 0;
    int refused = 0;
    try {
      for (int i = 0; i < 300; i++) {
        try {
          applier.beginBatch(++seq);
          put("d/f" + i + ".php", "payload " + i);
          applier.apply(new Op.Mkdir("d/sub" + i, DIR));
          applier.apply(new Op.Delete("d/secret.txt"));
          applier.apply(new Op.SetMeta("d/secret.txt", new Meta(0777, 0, Meta.NO_OWNER, Meta.NO_OWNER)));
          written++;
        } catch (ApplyException e) {
          refused++;
        } finally {
          try {
            applier.endBatch(seq);
          } catch (ApplyException e) {
            refused++;
          }
        }
      }
    } finally {
      stop.set(true);
      attacker.join();
    }
    assertThat(flips.get()).as("the attacker really raced").isGreaterThan(10);
    assertThat(written + refused).isGreaterThan(0);
    assertOutsideUntouched();
  }

  private void assertOutsideUntouched() throws IOException {
    try (Stream<Path> entries = Files.list(outside)) {
      assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("secret.txt");
    }
    assertThat(Files.readString(outside.resolve("secret.txt"))).isEqualTo("secret");
    assertThat((Integer) Files.getAttribute(outside.resolve("secret.txt"), "unix:mode") & 0777).isNotEqualTo(0777);
  }

  private void put(String path, String content) throws ApplyException {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    FileSink sink = applier.beginPut(new Op.PutFile(path, bytes.length, FILE));
    sink.write(ByteBuffer.wrap(bytes));
    sink.commit(ContentHasher.of(bytes));
  }

  interface Action {
    void run() throws ApplyException, IOException;
  }

  private static ApplyException catchApply(Action action) {
    try {
      action.run();
    } catch (ApplyException e) {
      return e;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("expected an ApplyException");
  }
}
