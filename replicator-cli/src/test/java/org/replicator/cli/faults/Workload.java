package org.replicator.cli.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.replicator.cli.e2e.VersionReader;
import org.replicator.core.hash.ContentHasher;

/**
 * Writes files on the master the way a CMS does, in place and in one write each, and registers
 * every version with the slave's reader before writing it (including the empty file a write in
 * place briefly leaves), and marks each write for the {@link SyncClaimChecker}.
 */
final class Workload {
  private static final long EMPTY = ContentHasher.of(new byte[0]);

  private final Path master;
  private final VersionReader reader;
  private final SyncClaimChecker claims;
  private final Random random;

  Workload(Path master, VersionReader reader, SyncClaimChecker claims, long seed) {
    this.master = master;
    this.reader = reader;
    this.claims = claims;
    this.random = new Random(seed);
  }

  /** {@code count} files {@code dir/dK/name-N.html} (20 folders), version {@code version} of each. */
  void files(String dir, String name, int count, int version) throws IOException {
    for (int n = 0; n < count; n++) {
      write(dir + "/d" + (n % 20) + "/" + name + "-" + n + ".html", version);
    }
  }

  void write(String rel, int version) throws IOException {
    byte[] content = ("<p>" + rel + " v" + version + "</p>" + "x".repeat(random.nextInt(4000)) + "\n").getBytes(StandardCharsets.UTF_8);
    reader.allow(rel, content);
    reader.allow(rel, EMPTY);
    Path file = master.resolve(rel);
    claims.masterWrote();
    Files.createDirectories(file.getParent());
    Files.write(file, content);
    claims.masterWrote();
  }
}
