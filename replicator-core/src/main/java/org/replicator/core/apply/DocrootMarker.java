package org.replicator.core.apply;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.UUID;
import org.replicator.core.path.RelPath;

/**
 * The docroot marker that keeps both roles from working on the wrong tree. An unmounted disk looks
 * like an empty docroot: a master would replicate "everything was deleted", a slave would fill the
 * mount point underneath. So the docroot carries {@code .replicator/marker} (cluster name and a
 * random identity) and the node's state dir carries {@code identity} with the same identity;
 * {@link #check} compares them (see {@link MarkerState.Status} for the table).
 *
 * <p>A docroot counts as empty when it holds nothing but {@code .replicator} and {@code lost+found}
 * (which a freshly formatted ext4 file system has). Files are written to a temp name, fsync'd and
 * renamed, so a crash leaves the old or the new marker. Stateless and thread safe.
 */
public final class DocrootMarker {
  public static final String MARKER = "marker";
  public static final String IDENTITY = "identity";
  private static final String CLUSTER_KEY = "cluster=";
  private static final String IDENTITY_KEY = "identity=";
  private static final Set<String> IGNORED_FOR_EMPTINESS = Set.of(RelPath.RESERVED, "lost+found");

  private DocrootMarker() {}

  /** The marker file of {@code docroot}. */
  public static Path markerFile(Path docroot) {
    return docroot.resolve(RelPath.RESERVED).resolve(MARKER);
  }

  /** As {@link #check(Path, Path, String)}, naming the adopt command in its generic form. */
  public static MarkerState check(Path docroot, Path stateDir) throws IOException {
    return check(docroot, stateDir, "replicator adopt --config FILE --node NAME");
  }

  /** The exact command that adopts this node's docroot, for the refusal messages. */
  public static String adoptCommand(Path clusterFile, String node) {
    return "replicator adopt --config " + clusterFile.toAbsolutePath().normalize() + " --node " + node;
  }

  /**
   * What the docroot and the state dir say; a refusal's message ends with {@code adoptCommand}
   * (see {@link #adoptCommand}) where adopting is the way out.
   */
  public static MarkerState check(Path docroot, Path stateDir, String adoptCommand) throws IOException {
    Path identityFile = stateDir.resolve(IDENTITY);
    Path markerFile = markerFile(docroot);
    Contents identity = read(identityFile);
    if (identity != null && identity.identity.isEmpty()) {
      throw new FileSystemException(identityFile.toString(), null,
          "has no '" + IDENTITY_KEY + "' line; restore it from a backup, or remove it and adopt the docroot: " + adoptCommand);
    }
    boolean docrootExists = Files.isDirectory(docroot);
    Contents marker = docrootExists ? read(markerFile) : null;
    boolean empty = !docrootExists || isEmpty(docroot);
    if (identity == null) {
      if (marker != null) {
        return state(MarkerState.Status.NO_IDENTITY, "docroot " + docroot + " carries marker " + markerFile + " (cluster '"
            + marker.cluster + "', identity " + marker.identity + ") but state dir " + stateDir + " has no " + IDENTITY
            + " file (a new or wiped state dir): refusing to replicate. If this is the right docroot for this node, adopt it: " + adoptCommand);
      }
      if (empty) {
        return state(MarkerState.Status.FRESH, "docroot " + docroot + " is " + (docrootExists ? "empty" : "missing")
            + " and state dir " + stateDir + " has no identity: a new node, the docroot will be initialised");
      }
      return state(MarkerState.Status.MISSING_MARKER_NONEMPTY, "docroot " + docroot + " has files but no marker " + markerFile
          + ", and state dir " + stateDir + " has no identity: refusing to replicate. If this is the right docroot,"
          + " adopt it (its content will be kept and then converged with the master): " + adoptCommand);
    }
    String lost = "state dir " + stateDir + " has identity " + identity.identity + " (cluster '" + identity.cluster + "') but docroot " + docroot;
    String advice = ": the disk is probably not mounted or the docroot path is wrong; refusing to replicate."
        + " Mount the disk or fix the path; if the docroot was replaced on purpose, adopt it: " + adoptCommand;
    if (!docrootExists) {
      return state(MarkerState.Status.LOST, lost + " does not exist" + advice);
    }
    if (marker == null) {
      return state(MarkerState.Status.LOST, lost + (empty ? " is empty" : " has no marker " + markerFile) + advice);
    }
    if (!marker.identity.equals(identity.identity)) {
      String found = marker.identity.isEmpty() ? "a malformed marker " + markerFile : "marker " + markerFile + " with identity " + marker.identity;
      return state(MarkerState.Status.LOST, lost + " carries " + found + advice);
    }
    return state(MarkerState.Status.OK, "docroot " + docroot + " carries identity " + identity.identity + " of cluster '"
        + marker.cluster + "', as recorded in state dir " + stateDir);
  }

  /** Creates the docroot if missing, its marker and the state dir's identity. Only for a FRESH node. */
  public static String initialise(Path docroot, Path stateDir, String cluster) throws IOException {
    MarkerState state = check(docroot, stateDir);
    if (state.status() != MarkerState.Status.FRESH) {
      throw new IllegalStateException("refusing to initialise: " + state.message());
    }
    Files.createDirectories(docroot);
    return write(docroot, stateDir, cluster);
  }

  /**
   * For an operator who confirmed that {@code docroot} (which must exist) is the right tree for
   * this node: gives it a new identity, in the marker first and then in the state dir.
   */
  public static String adopt(Path docroot, Path stateDir, String cluster) throws IOException {
    if (!Files.isDirectory(docroot)) {
      throw new NoSuchFileException(docroot.toString(), null, "docroot to adopt is not a directory");
    }
    return write(docroot, stateDir, cluster);
  }

  private static String write(Path docroot, Path stateDir, String cluster) throws IOException {
    if (cluster.isEmpty() || cluster.chars().anyMatch(c -> c < 0x20)) {
      throw new IllegalArgumentException("cluster name must be non-empty printable text: '" + cluster + "'");
    }
    String id = UUID.randomUUID().toString();
    String text = "# Replicator docroot marker: keep it. Without it the node refuses to replicate.\n"
        + CLUSTER_KEY + cluster + "\n" + IDENTITY_KEY + id + "\n";
    Path reserved = docroot.resolve(RelPath.RESERVED);
    BasicFileAttributes attrs = ConfinedTree.lstat(reserved);
    if (attrs == null) {
      Files.createDirectory(reserved);
      // Traversable, not listable: the web server's health check (the web user) reads the
      // freshness file in it; the applier's temp folder inside stays 0700.
      MetadataWriter.setMode(reserved, 0711);
    } else if (!ConfinedTree.isRealDirectory(attrs)) {
      throw new FileSystemException(reserved.toString(), null, "is not a real directory; remove it and retry");
    }
    Files.createDirectories(stateDir);
    writeAtomically(reserved.resolve(MARKER), text);
    writeAtomically(stateDir.resolve(IDENTITY), text);
    return id;
  }

  private static void writeAtomically(Path file, String text) throws IOException {
    Path temp = file.resolveSibling("." + file.getFileName() + ".tmp-" + UUID.randomUUID());
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        channel.force(true);
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(temp);
    }
    Fsync.directory(file.getParent());
  }

  private static boolean isEmpty(Path docroot) throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(docroot)) {
      for (Path entry : entries) {
        if (!IGNORED_FOR_EMPTINESS.contains(entry.getFileName().toString())) {
          return false;
        }
      }
    }
    return true;
  }

  private static MarkerState state(MarkerState.Status status, String message) {
    return new MarkerState(status, message);
  }

  /** A marker or identity file's content; null when the file does not exist. */
  private static Contents read(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null; // absence is one of the states we report
    }
    String cluster = "";
    String identity = "";
    for (String line : text.split("\n", -1)) {
      if (line.startsWith(CLUSTER_KEY)) {
        cluster = line.substring(CLUSTER_KEY.length()).strip();
      } else if (line.startsWith(IDENTITY_KEY)) {
        identity = line.substring(IDENTITY_KEY.length()).strip();
      }
    }
    return new Contents(cluster, identity);
  }

  private record Contents(String cluster, String identity) {}
}
