package org.replicator.agent.role;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.replicator.agent.lifecycle.StateFile;
import org.replicator.core.role.Epoch;

/**
 * The highest epoch this node has seen and its master: {@code <state_dir>/epoch}, two lines
 * {@code epoch=N} and {@code master=NAME}. Replaced atomically (temp, fsync, rename, fsync of the
 * directory), so a crash leaves the old or the new epoch. It only ever grows: {@link #adopt}
 * refuses a lower epoch. A missing file means epoch 0 of the cluster file's roles; a file that does
 * not parse is an error naming it (never silently epoch 0: that would let a superseded master send).
 *
 * <p>Thread-safe: handshakes on event loops read it, adoption and promotion write it.
 */
public final class EpochStore {
  public static final String FILE = "epoch";
  private final Path file;
  /** Guarded by this. */
  private Epoch current;

  private EpochStore(Path file, Epoch current) {
    this.file = file;
    this.current = current;
  }

  /**
   * @param initial the epoch when the file does not exist (epoch 0 of the cluster file)
   * @throws IOException naming the file when it exists but does not hold an epoch
   */
  public static EpochStore open(Path stateDir, Epoch initial) throws IOException {
    Path file = stateDir.resolve(FILE);
    return new EpochStore(file, read(file, initial));
  }

  /**
   * The epoch recorded in {@code stateDir}, for a reader that is not the agent (the CLI).
   *
   * @throws java.nio.file.NoSuchFileException when none is recorded
   * @throws IOException naming the file when it does not hold an epoch
   */
  public static Epoch peek(Path stateDir) throws IOException {
    Path file = stateDir.resolve(FILE);
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString());
    }
    return read(file, null);
  }

  static Epoch read(Path file, Epoch initial) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return initial;
    } catch (java.nio.charset.CharacterCodingException e) {
      throw corrupt(file, "it is not UTF-8 text");
    }
    Long number = null;
    String master = null;
    for (String line : text.split("\n", -1)) {
      if (line.isBlank()) {
        continue;
      }
      int eq = line.indexOf('=');
      String key = eq < 0 ? line : line.substring(0, eq);
      String value = eq < 0 ? "" : line.substring(eq + 1).trim();
      switch (key.trim()) {
        case "epoch" -> {
          try {
            number = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw corrupt(file, "epoch=" + value + " is not a number");
          }
          if (number < 0) {
            throw corrupt(file, "epoch=" + value + " is negative");
          }
        }
        case "master" -> master = value;
        default -> throw corrupt(file, "unknown line '" + (line.length() > 60 ? line.substring(0, 60) + "…" : line) + "'");
      }
    }
    if (number == null || master == null || master.isEmpty()) {
      throw corrupt(file, "it needs both 'epoch=N' and 'master=NAME' lines");
    }
    return new Epoch(number, master);
  }

  private static IOException corrupt(Path file, String why) {
    return new IOException(file + ": corrupt epoch file (" + why + "); the node does not know which node is master and will not"
        + " start. Restore it from another node's state_dir (the highest epoch), or run 'replicator promote' to start a new epoch");
  }

  /**
   * Writes the current epoch when the file does not exist yet (a first start at epoch 0): from
   * then on the node remembers it was master (or not) at epoch 0 even if the cluster file's
   * {@code role:} is edited after a failover. Without this, a master that was down during the
   * failover would read the edited file, start as a slave, and its cut-off changes would be
   * overwritten by the catch-up instead of kept aside.
   */
  public synchronized void persistIfMissing() throws IOException {
    if (!Files.exists(file)) {
      write(current);
    }
  }

  public synchronized Epoch current() {
    return current;
  }

  /**
   * Persists {@code next} when it is newer than the current epoch; returns whether it was.
   *
   * @throws IOException when it could not be made durable: the epoch is then not adopted
   */
  public synchronized boolean adopt(Epoch next) throws IOException {
    if (!next.isNewerThan(current)) {
      return false;
    }
    write(next);
    current = next;
    return true;
  }

  private void write(Epoch epoch) throws IOException {
    Path tmp = file.resolveSibling(FILE + ".tmp");
    byte[] bytes = ("epoch=" + epoch.number() + "\nmaster=" + epoch.master() + "\n").getBytes(StandardCharsets.UTF_8);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      ch.write(ByteBuffer.wrap(bytes));
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    StateFile.fsyncDirectory(file.getParent());
  }

  public Path file() {
    return file;
  }
}
