package org.replicator.core.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.replicator.core.hash.ContentHasher;
import org.replicator.core.ignore.ExcludeFilter;
import org.replicator.core.index.Index;
import org.replicator.core.op.Meta;
import org.replicator.core.op.Op;
import org.replicator.core.scan.ScanListener;
import org.replicator.core.scan.ScanResult;
import org.replicator.core.scan.Scanner;

/**
 * What a swap builds and where, on a real disk. The exchange itself is the kernel's (the agent's
 * renameat2 binding, exercised by DirectorySwapIT); here it is played by three renames, which is
 * enough to check what trades places with what and what is left behind.
 */
class DirectorySwapTest {
  private static final long T = 1_700_000_000_000_000_000L;
  private static final Meta DIR = new Meta(0755, T, Meta.NO_OWNER, Meta.NO_OWNER);
  private static final Meta FILE = new Meta(0644, T, Meta.NO_OWNER, Meta.NO_OWNER);
  private static final String PLUGIN = "wp-content/plugins/hello";

  @TempDir Path dir;
  private Path root;
  private Applier applier;
  private long seq;
  private final List<String> exchanged = new ArrayList<>();
  private final List<String> unavailable = new ArrayList<>();
  private final List<String> swapped = new ArrayList<>();
  private final DirectorySwap.Exchanger renames = (a, b) -> {
    if (!root.relativize(a).startsWith(".replicator")) { // the probe at first use
      exchanged.add(root.relativize(a) + " <-> " + root.relativize(b));
    }
    Path aside = a.resolveSibling("aside");
    Files.move(a, aside);
    Files.move(b, a);
    Files.move(aside, b);
    return true;
  };

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectories(dir.resolve("www"));
    Files.createDirectories(root.resolve(PLUGIN));
    for (int i = 0; i < 3; i++) {
      Files.writeString(root.resolve(PLUGIN + "/f" + i + ".php"), "v1 " + i);
    }
    start(renames);
  }

  private void start(DirectorySwap.Exchanger exchanger) throws IOException {
    if (applier != null) {
      applier.close();
    }
    applier = new Applier(root, new ApplierOptions(true, false, true), new ApplyListener() {
      @Override
      public void swapUnavailable(String why) {
        unavailable.add(why);
      }

      @Override
      public void directorySwapped(String r) {
        swapped.add(r);
      }
    });
    applier.start();
    applier.useDirectorySwap(SwapPatterns.of(SwapPatterns.DEFAULTS), exchanger);
  }

  @AfterEach
  void close() {
    applier.close();
  }

  private void put(String path, String content) throws ApplyException {
    byte[] b = content.getBytes(StandardCharsets.UTF_8);
    FileSink sink = applier.beginPut(new Op.PutFile(path, b.length, FILE));
    sink.write(ByteBuffer.wrap(b));
    sink.commit(ContentHasher.of(b));
  }

  private long inode(String rel) throws IOException {
    return ((Number) Files.getAttribute(root.resolve(rel), "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
  }

  private List<String> siblings() throws IOException {
    try (Stream<Path> s = Files.list(root.resolve("wp-content/plugins"))) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /**
   * A crash between building a copy and the exchange leaves the staging sibling: the next start
   * removes it (and nothing else: not a look-alike outside a swap parent, not what a symlink in
   * it or a symlinked parent points to), and a scan before that never counts it.
   */
  @Test
  void startRemovesStagingCopiesACrashLeftBesideSwapRootsOnly() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("keep.txt"), "not the docroot's");
    Files.createDirectories(outside.resolve(".replicator-swap.evil"));
    Path leftover = Files.createDirectories(root.resolve("wp-content/plugins/.replicator-swap.hello/sub"));
    Files.writeString(leftover.resolve("half.php"), "half built");
    Files.createSymbolicLink(leftover.resolve("link"), outside.resolve("keep.txt"));
    Files.createSymbolicLink(root.resolve("wp-content/themes"), outside); // a symlinked swap parent
    Path lookalike = Files.createDirectories(root.resolve("wp-content/uploads/.replicator-swap.photos"));

    ScanResult scanned = new Scanner(root, SwapPatterns.of(SwapPatterns.DEFAULTS).withStagingExcluded(ExcludeFilter.NONE), false,
        ScanListener.NONE).scan("", new Index());
    assertThat(scanned.entries()).extracting(e -> e.path()).noneMatch(p -> p.contains(".replicator-swap.hello"))
        .contains(PLUGIN + "/f0.php", "wp-content/uploads/.replicator-swap.photos");

    List<String> removed = new ArrayList<>();
    applier.close();
    applier = new Applier(root, new ApplierOptions(true, false, true), new ApplyListener() {
      @Override
      public void leftoverSwapStagingRemoved(String path) {
        removed.add(path);
      }
    });
    applier.useDirectorySwap(SwapPatterns.of(SwapPatterns.DEFAULTS), renames);
    applier.start();

    assertThat(removed).containsExactly("wp-content/plugins/.replicator-swap.hello");
    assertThat(siblings()).containsExactly("hello");
    assertThat(Files.readString(outside.resolve("keep.txt"))).isEqualTo("not the docroot's");
    assertThat(outside.resolve(".replicator-swap.evil")).isDirectory();
    assertThat(lookalike).isDirectory();
    assertThat(Files.readString(root.resolve(PLUGIN + "/f1.php"))).isEqualTo("v1 1");
  }

  /**
   * A file that matches a root's pattern (WordPress ships wp-content/plugins/index.php and
   * hello.php) is installed in place: no staging sibling ever appears beside it.
   */
  @Test
  void aFileNamedLikeARootIsInstalledInPlaceWithoutAStagingCopy() throws Exception {
    applier.beginBatch(++seq);
    put("wp-content/plugins/index.php", "<?php // Silence is golden.");
    assertThat(siblings()).as("installed at once, nothing staged beside it").containsExactly("hello", "index.php");
    applier.endBatch(seq);

    assertThat(Files.readString(root.resolve("wp-content/plugins/index.php"))).isEqualTo("<?php // Silence is golden.");
    assertThat(siblings()).containsExactly("hello", "index.php");
    assertThat(exchanged).isEmpty();
    assertThat(swapped).isEmpty();
  }

  @Test
  void theUpgradersDeleteThenCopyIsBuiltAsideAndExchangedAtTheBatchsEnd() throws Exception {
    applier.beginBatch(++seq);
    applier.apply(new Op.Delete(PLUGIN));
    applier.apply(new Op.Mkdir(PLUGIN, DIR));
    put(PLUGIN + "/f0.php", "v2 0");
    put(PLUGIN + "/new.php", "v2 new");
    // Nothing visible before the end of the batch: the old version is whole.
    assertThat(Files.readString(root.resolve(PLUGIN + "/f1.php"))).isEqualTo("v1 1");
    assertThat(root.resolve(PLUGIN + "/new.php")).doesNotExist();
    applier.endBatch(seq);

    assertThat(exchanged).containsExactly("wp-content/plugins/.replicator-swap.hello <-> " + PLUGIN);
    assertThat(swapped).containsExactly(PLUGIN);
    assertThat(applier.swappedRoots()).containsExactly(PLUGIN);
    try (Stream<Path> s = Files.list(root.resolve(PLUGIN))) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("f0.php", "new.php");
    }
    assertThat(Files.readString(root.resolve(PLUGIN + "/f0.php"))).isEqualTo("v2 0");
    assertThat(siblings()).as("the old version is gone, no copy left").containsExactly("hello");
    assertThat(Files.getLastModifiedTime(root.resolve(PLUGIN)).toMillis()).isEqualTo(T / 1_000_000);
  }

  @Test
  void theParentsMetadataInTheMiddleOfTheUpdateDoesNotSwapEarly() throws Exception {
    applier.beginBatch(++seq);
    applier.apply(new Op.Delete(PLUGIN + "/f1.php"));
    applier.apply(new Op.SetMeta("wp-content/plugins", DIR)); // the planner sends the parent's mtime with every batch
    put(PLUGIN + "/f1.php", "v2 1");
    assertThat(Files.readString(root.resolve(PLUGIN + "/f1.php"))).as("still the old version").isEqualTo("v1 1");
    applier.endBatch(seq);

    assertThat(Files.readString(root.resolve(PLUGIN + "/f1.php"))).isEqualTo("v2 1");
    assertThat(Files.getLastModifiedTime(root.resolve("wp-content/plugins")).toMillis())
        .as("the parent keeps the master's mtime across the exchange").isEqualTo(T / 1_000_000);
  }

  @Test
  void aChangeInsideAPluginClonesItWithHardLinksSoUnchangedFilesKeepTheirInode() throws Exception {
    long unchanged = inode(PLUGIN + "/f1.php");

    applier.beginBatch(++seq);
    put(PLUGIN + "/f0.php", "v2 0");
    applier.endBatch(seq);

    assertThat(inode(PLUGIN + "/f1.php")).as("linked, not copied").isEqualTo(unchanged);
    assertThat(Files.readString(root.resolve(PLUGIN + "/f0.php"))).isEqualTo("v2 0");
    assertThat(Files.readString(root.resolve(PLUGIN + "/f2.php"))).isEqualTo("v1 2");
    assertThat(Files.getAttribute(root.resolve(PLUGIN + "/f1.php"), "unix:nlink")).as("the old version's link is gone").isEqualTo(1);
    assertThat(siblings()).containsExactly("hello");
  }

  @Test
  void aModeChangeInTheNewVersionLeavesTheOldVersionsFileAlone() throws Exception {
    Path live = root.resolve(PLUGIN + "/f1.php");
    Files.setPosixFilePermissions(live, PosixFilePermissions.fromString("rw-r--r--"));
    Path keep = dir.resolve("old-f1");
    Files.createLink(keep, live); // stands for a reader holding the old version

    applier.beginBatch(++seq);
    applier.apply(new Op.SetMeta(PLUGIN + "/f1.php", new Meta(0600, T, Meta.NO_OWNER, Meta.NO_OWNER)));
    applier.endBatch(seq);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(live))).isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keep))).as("the old inode").isEqualTo("rw-r--r--");
  }

  @Test
  void aNewPluginAppearsWholeByOneRename() throws Exception {
    applier.beginBatch(++seq);
    applier.apply(new Op.Mkdir("wp-content/plugins/fresh", DIR));
    put("wp-content/plugins/fresh/a.php", "a");
    assertThat(root.resolve("wp-content/plugins/fresh")).doesNotExist();
    applier.endBatch(seq);

    assertThat(Files.readString(root.resolve("wp-content/plugins/fresh/a.php"))).isEqualTo("a");
    assertThat(exchanged).as("nothing to exchange with").isEmpty();
    assertThat(siblings()).containsExactly("fresh", "hello");
  }

  @Test
  void aPluginDeletedAndNotRebuiltIsDeletedLive() throws Exception {
    applier.beginBatch(++seq);
    applier.apply(new Op.Delete(PLUGIN));
    applier.endBatch(seq);

    assertThat(root.resolve(PLUGIN)).doesNotExist();
    assertThat(siblings()).isEmpty();
    assertThat(exchanged).isEmpty();
  }

  @Test
  void anInterruptedBatchLeavesTheOldVersionAndNoCopy() throws Exception {
    applier.beginBatch(++seq);
    applier.apply(new Op.Delete(PLUGIN));
    put(PLUGIN + "/f0.php", "v2 0");
    applier.abandonSwaps();
    applier.endBatch(seq);

    assertThat(Files.readString(root.resolve(PLUGIN + "/f1.php"))).isEqualTo("v1 1");
    assertThat(siblings()).containsExactly("hello");
  }

  @Test
  void aMasterNamingTheStagingSiblingIsRefusedAndNothingIsWritten() throws Exception {
    applier.beginBatch(++seq);
    assertThatThrownBy(() -> applier.apply(new Op.Mkdir("wp-content/plugins/.replicator-swap.hello", DIR)))
        .isInstanceOf(ApplyException.class)
        .hasMessageContaining(".replicator-swap.")
        .satisfies(e -> assertThat(((ApplyException) e).kind()).isEqualTo(ApplyException.Kind.UNSAFE_PATH));
    applier.endBatch(seq);
    assertThat(siblings()).containsExactly("hello");
  }

  @Test
  void aSymlinkedPluginDirectoryIsNotSwappedAndNothingBehindItIsTouched() throws Exception {
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.writeString(outside.resolve("x.php"), "outside");
    Files.createSymbolicLink(root.resolve("wp-content/plugins/evil"), outside);

    applier.beginBatch(++seq);
    assertThatThrownBy(() -> put("wp-content/plugins/evil/x.php", "pwned")).isInstanceOf(ApplyException.class);
    applier.apply(new Op.Delete("wp-content/plugins/evil")); // removes the link, never what it points to
    applier.endBatch(seq);

    assertThat(Files.readString(outside.resolve("x.php"))).isEqualTo("outside");
    assertThat(exchanged).isEmpty();
    assertThat(siblings()).containsExactly("hello");
  }

  @Test
  void whereTheKernelRefusesTheExchangeUpdatesGoFileByFileAndSaySoOnce() throws Exception {
    start(DirectorySwap.Exchanger.NONE);

    applier.beginBatch(++seq);
    put(PLUGIN + "/f0.php", "v2 0");
    assertThat(Files.readString(root.resolve(PLUGIN + "/f0.php"))).as("applied in place, per file").isEqualTo("v2 0");
    put(PLUGIN + "/f1.php", "v2 1");
    applier.endBatch(seq);

    assertThat(unavailable).hasSize(1);
    assertThat(unavailable.get(0)).contains("renameat2");
    assertThat(siblings()).containsExactly("hello");
  }

  @Test
  void anExchangeThatFailsKeepsTheOldVersionAndTheRestOfTheBatch() throws Exception {
    boolean[] probed = {false};
    start((a, b) -> {
      if (!probed[0]) {
        probed[0] = true;
        return renames.exchange(a, b);
      }
      throw new IOException("injected: exchange failed");
    });

    applier.beginBatch(++seq);
    put(PLUGIN + "/f0.php", "v2 0");
    put("index.php", "outside any plugin");
    assertThatThrownBy(() -> applier.endBatch(seq)).isInstanceOf(ApplyException.class)
        .hasMessageContaining("injected").hasMessageContaining(PLUGIN);

    assertThat(Files.readString(root.resolve(PLUGIN + "/f0.php"))).isEqualTo("v1 0");
    assertThat(Files.readString(root.resolve("index.php"))).isEqualTo("outside any plugin");
    assertThat(siblings()).as("the copy is removed").containsExactly("hello");
    applier.beginBatch(++seq); // the applier is usable again
    applier.endBatch(seq);
  }

  @Test
  void patternsAreCheckedWithTheReasonNamed() {
    assertThatThrownBy(() -> SwapPatterns.of(List.of("/wp-content/plugins/*"))).hasMessageContaining("relative");
    assertThatThrownBy(() -> SwapPatterns.of(List.of("wp-content/../*"))).hasMessageContaining("'..'");
    assertThatThrownBy(() -> SwapPatterns.of(List.of("wp-content/**"))).hasMessageContaining("**");
    assertThatThrownBy(() -> SwapPatterns.of(List.of(".replicator/*"))).hasMessageContaining(".replicator");
    SwapPatterns p = SwapPatterns.of(SwapPatterns.DEFAULTS);
    assertThat(p.rootOf("wp-content/plugins/hello/inc/a.php")).isEqualTo(PLUGIN);
    assertThat(p.rootOf("wp-content/plugins")).isNull();
    assertThat(p.rootOf("wp-content/themes/t1")).isEqualTo("wp-content/themes/t1");
    assertThat(p.rootOf("wp-content/uploads/x")).isNull();
  }
}
