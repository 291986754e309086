package org.replicator.agent.lifecycle;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One agent per state_dir: an exclusive lock on {@code <state_dir>/agent.lock}, held for the
 * agent's whole life. Two agents of one node would take the slaves from each other and re-bind
 * each other's control socket; the second one must stop before it touches anything.
 *
 * <p>Why {@code fcntl} locks ({@link FileChannel#tryLock()}): the kernel drops them when the
 * process dies, however it dies, so a SIGKILL or an OOM kill never leaves a stale lock for an
 * operator to delete. The file itself stays (deleting it would let two agents lock two different
 * files of the same name); it holds the PID of the agent that has the lock, written after locking,
 * for the refusal message only: the lock decides, never the PID.
 *
 * <p>Within one JVM (the demo, tests), the JDK refuses a second lock on the same file with {@link
 * OverlappingFileLockException} instead of the kernel answering: the same refusal, naming this
 * process. Not thread safe; the agent's start and close own it.
 */
public final class StateDirLock implements AutoCloseable {
  public static final String FILE = "agent.lock";

  private final FileChannel channel;
  private final FileLock lock;

  private StateDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code stateDir} (which must exist) for node {@code node}.
   *
   * @throws StateDirLockedException when another agent holds it, naming its PID
   */
  public static StateDirLock acquire(Path stateDir, String node) throws IOException {
    Path file = stateDir.resolve(FILE);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    String holder;
    try {
      lock = ch.tryLock();
      holder = lock == null ? readPid(ch) : null;
    } catch (OverlappingFileLockException e) {
      lock = null;
      holder = ProcessHandle.current().pid() + ", this process";
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    if (lock == null) {
      ch.close();
      throw new StateDirLockedException("another agent of node " + node + " already runs on state_dir " + stateDir + " (PID "
          + holder + " holds " + file + "); two agents of one node would take the slaves from each other. Stop it first "
          + "(systemctl stop replicator@" + node + ", or kill " + holder.split(",")[0] + ") and start this one again");
    }
    try {
      byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
      ch.truncate(0);
      ch.write(ByteBuffer.wrap(pid), 0);
      ch.force(false);
    } catch (IOException e) {
      // The lock is what keeps a second agent out; the PID only helps its message.
      lock.release();
      ch.close();
      throw new IOException("node " + node + ": cannot write the PID into " + file + ": " + e.getMessage(), e);
    }
    return new StateDirLock(ch, lock);
  }

  /** The PID the holder wrote, or "unknown" while it has not written it yet. */
  private static String readPid(FileChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(32);
    int n = ch.read(buf, 0);
    String text = n <= 0 ? "" : new String(buf.array(), 0, n, StandardCharsets.US_ASCII).trim();
    return text.matches("[0-9]+") ? text : "unknown";
  }

  /** Releases the lock: the next agent of this node may start. */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
