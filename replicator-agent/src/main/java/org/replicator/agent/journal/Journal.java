package org.replicator.agent.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.replicator.agent.lifecycle.StateFile;
import org.replicator.core.plan.PlannedOp;
import org.replicator.core.wire.ProtocolException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's durable change journal: every planned batch is appended (and fsynced) before any
 * slave is sent it, so a restart of either side resumes from the slave's acknowledged position
 * instead of comparing trees, and an offline slave costs disk, not memory.
 *
 * <p>Layout: {@code <dir>/<first seq, 20 digits>.seg} segments of records {@code [u32 length][u32
 * CRC32C][payload]}, payload {@code [i64 seq][i64 created ms][i64 bytes][ops]}; {@code
 * <dir>/acked-<slave>} holds each slave's acknowledged seq. A record cut short at the end of the
 * newest segment (a crash during append) is truncated at open with a log line; any other damage
 * (bad CRC, bad framing) is a {@link JournalCorruptException} naming the file and offset: records
 * are never skipped silently. Segments are deleted once every slave acknowledged them, or when
 * retention (total bytes, age) drops them; a slave behind what is retained gets a tree comparison.
 *
 * <p>Thread safety: {@link #append} and {@link #prune} from one thread (the planner); readers on
 * any thread; metadata is guarded by {@code this}. Memory: a few longs per segment.
 */
public final class Journal implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Journal.class);
  static final int HEADER = 8;
  static final int MAX_RECORD = 256 << 20;
  private static final String SUFFIX = ".seg";
  private static final String ACKED = "acked-";

  /** @param segmentBytes a segment is closed once it holds this much */
  public record Settings(long maxBytes, long maxAgeMillis, long segmentBytes) {
    public static Settings of(long maxBytes, long maxAgeSeconds) {
      return new Settings(maxBytes, maxAgeSeconds * 1000, Math.max(64 << 10, Math.min(64L << 20, maxBytes / 8)));
    }
  }

  private static final class Segment {
    final Path file;
    final long firstSeq;
    long lastSeq;
    long lastCreatedMillis;
    long size;

    Segment(Path file, long firstSeq) {
      this.file = file;
      this.firstSeq = firstSeq;
      this.lastSeq = firstSeq - 1;
    }
  }

  private final Path dir;
  private final Settings settings;
  private final TreeMap<Long, Segment> segments = new TreeMap<>();
  private final Map<String, Long> acked = new ConcurrentHashMap<>();
  private FileChannel active;
  private long floor;
  private long lastSeq;

  private Journal(Path dir, Settings settings) {
    this.dir = dir;
    this.settings = settings;
  }

  /**
   * Opens (or creates) the journal in {@code dir}. {@code currentSeq} is the planner's last batch
   * number: with no segment on disk, the journal holds everything after it (nothing yet).
   */
  public static Journal open(Path dir, Settings settings, long currentSeq) throws IOException {
    Files.createDirectories(dir);
    Journal j = new Journal(dir, settings);
    j.load(currentSeq);
    return j;
  }

  private void load(long currentSeq) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(files::add);
    }
    for (Path f : files) {
      String name = f.getFileName().toString();
      if (name.endsWith(SUFFIX)) {
        long first;
        try {
          first = Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
          throw new IOException("journal " + f + ": not a segment name (expected <seq>" + SUFFIX + ")");
        }
        segments.put(first, new Segment(f, first));
      } else if (name.startsWith(ACKED) && !name.endsWith(".tmp")) {
        acked.put(name.substring(ACKED.length()), new StateFile(f).readLong("seq", -1));
      }
    }
    Long newest = segments.isEmpty() ? null : segments.lastKey();
    for (Segment seg : segments.values()) {
      scan(seg, newest == seg.firstSeq);
    }
    floor = segments.isEmpty() ? currentSeq : segments.firstKey() - 1;
    lastSeq = segments.isEmpty() ? currentSeq : Math.max(segments.lastEntry().getValue().lastSeq, floor);
    if (!segments.isEmpty()) {
      log.info("journal={} segments={} bytes={} batches {}..{}", dir, segments.size(), sizeBytes(), floor + 1, lastSeq);
    }
  }

  /** Reads every record header of {@code seg} to learn its range; truncates a torn tail of the newest. */
  private void scan(Segment seg, boolean newest) throws IOException {
    try (FileChannel ch = FileChannel.open(seg.file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long fileSize = ch.size();
      long offset = 0;
      while (offset < fileSize) {
        RecordRead r = readRecord(ch, seg.file, offset, fileSize);
        if (r == null) {
          if (!newest) {
            throw new JournalCorruptException(seg.file, offset, "record cut short in a segment that is not the newest");
          }
          log.warn("journal={} offset={} torn record at the end (a crash during an append); truncated {} bytes", seg.file, offset,
              fileSize - offset);
          ch.truncate(offset);
          ch.force(true);
          break;
        }
        if (r.entry.seq() <= seg.lastSeq) {
          throw new JournalCorruptException(seg.file, offset, "batch " + r.entry.seq() + " after batch " + seg.lastSeq);
        }
        seg.lastSeq = r.entry.seq();
        seg.lastCreatedMillis = r.entry.createdAtMillis();
        offset = r.next;
      }
      seg.size = offset;
    }
  }

  private record RecordRead(JournalEntry entry, long next) {}

  /** The record at {@code offset}, or null when it runs past {@code end} (a torn tail). */
  private static RecordRead readRecord(FileChannel ch, Path file, long offset, long end) throws IOException {
    if (end - offset < HEADER) {
      return null;
    }
    ByteBuffer head = ByteBuffer.allocate(HEADER);
    readFully(ch, head, offset);
    int length = head.getInt(0);
    int crc = head.getInt(4);
    if (length < 24 || length > MAX_RECORD) {
      throw new JournalCorruptException(file, offset, "record length " + length + " out of range");
    }
    if (end - offset - HEADER < length) {
      return null;
    }
    ByteBuffer payload = ByteBuffer.allocate(length);
    readFully(ch, payload, offset + HEADER);
    CRC32C c = new CRC32C();
    c.update(payload.array(), 0, length);
    if ((int) c.getValue() != crc) {
      throw new JournalCorruptException(file, offset, "CRC mismatch");
    }
    long seq = payload.getLong(0);
    long created = payload.getLong(8);
    long bytes = payload.getLong(16);
    byte[] ops = new byte[length - 24];
    payload.get(24, ops);
    try {
      return new RecordRead(new JournalEntry(seq, created, bytes, JournalOps.decode(ops)), offset + HEADER + length);
    } catch (ProtocolException e) {
      throw new JournalCorruptException(file, offset, "undecodable ops: " + e.getMessage());
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
    while (buf.hasRemaining()) {
      int n = ch.read(buf, at + buf.position());
      if (n < 0) {
        throw new IOException("unexpected end of " + at);
      }
    }
  }

  /** Appends batch {@code seq} and fsyncs it; only then may a slave be sent it. */
  public void append(long seq, long createdAtMillis, long bytes, List<PlannedOp> ops) throws IOException {
    byte[] encoded = JournalOps.encode(ops);
    ByteBuffer rec = ByteBuffer.allocate(HEADER + 24 + encoded.length);
    rec.putInt(24 + encoded.length).putInt(0).putLong(seq).putLong(createdAtMillis).putLong(bytes).put(encoded);
    CRC32C c = new CRC32C();
    c.update(rec.array(), HEADER, rec.capacity() - HEADER);
    rec.putInt(4, (int) c.getValue());
    rec.flip();
    Segment seg;
    synchronized (this) {
      if (seq <= lastSeq) {
        throw new IllegalStateException("journal " + dir + ": batch " + seq + " appended after batch " + lastSeq);
      }
      seg = segments.isEmpty() ? null : segments.lastEntry().getValue();
    }
    if (seg == null || seg.size >= settings.segmentBytes() || active == null) {
      seg = rotate(seg, seq);
    }
    long at = seg.size;
    while (rec.hasRemaining()) {
      active.write(rec, at + rec.position());
    }
    active.force(false);
    synchronized (this) {
      seg.size = at + rec.limit();
      seg.lastSeq = seq;
      seg.lastCreatedMillis = createdAtMillis;
      lastSeq = seq;
      notifyAll();
    }
  }

  private Segment rotate(Segment current, long seq) throws IOException {
    if (active != null) {
      active.close();
      active = null;
    }
    if (current != null && current.size < settings.segmentBytes()) {
      active = FileChannel.open(current.file, StandardOpenOption.WRITE);
      return current; // reopened after a restart: keep filling it
    }
    Path file = dir.resolve(String.format("%020d%s", seq, SUFFIX));
    active = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    StateFile.fsyncDirectory(dir);
    Segment seg = new Segment(file, seq);
    synchronized (this) {
      segments.put(seq, seg);
    }
    return seg;
  }

  /** Slave {@code slave} applied every batch up to {@code seq}; persisted (fsynced) at once. */
  public void acknowledged(String slave, long seq) throws IOException {
    Long before = acked.get(slave);
    if (before != null && before >= seq) {
      return;
    }
    new StateFile(dir.resolve(ACKED + slave)).write("seq", seq);
    acked.put(slave, seq);
  }

  /** The slave's acknowledged seq as persisted, or -1 when none. */
  public long ackedSeq(String slave) {
    return acked.getOrDefault(slave, -1L);
  }

  /** A slave removed from the cluster: its position no longer holds segments back. */
  public void forget(String slave) throws IOException {
    acked.remove(slave);
    Files.deleteIfExists(dir.resolve(ACKED + slave));
  }

  /**
   * Deletes every segment: the journal holds nothing up to {@code seq} (after an append failed, a
   * reader must see a gap, never step over the missing batch).
   */
  public synchronized void clear(long seq) throws IOException {
    if (active != null) {
      active.close();
      active = null;
    }
    for (Segment seg : segments.values()) {
      Files.deleteIfExists(seg.file);
    }
    segments.clear();
    floor = Math.max(floor, seq);
    lastSeq = Math.max(lastSeq, seq);
  }

  /** The last batch no longer held: every batch after it is here (a reader from it sees no gap). */
  public synchronized long floor() {
    return floor;
  }

  /** Whether every batch after {@code seq} is still here (a reader from it sees no gap). */
  public synchronized boolean covers(long seq) {
    return seq >= floor;
  }

  /**
   * Deletes closed segments every one of {@code slaves} acknowledged, and those retention drops
   * (oldest first while over max bytes; older than max age). The newest segment always stays.
   */
  public void prune(Iterable<String> slaves, long nowMillis) throws IOException {
    long minAcked = Long.MAX_VALUE;
    for (String s : slaves) {
      minAcked = Math.min(minAcked, ackedSeq(s));
    }
    while (true) {
      Segment oldest;
      String why;
      synchronized (this) {
        if (segments.size() < 2) {
          return;
        }
        oldest = segments.firstEntry().getValue();
        long total = sizeBytes();
        if (oldest.lastSeq <= minAcked) {
          why = "acknowledged by every slave";
        } else if (total > settings.maxBytes()) {
          why = "journal over max_bytes " + settings.maxBytes();
        } else if (nowMillis - oldest.lastCreatedMillis > settings.maxAgeMillis()) {
          why = "older than max_age_s " + settings.maxAgeMillis() / 1000;
        } else {
          return;
        }
        segments.remove(oldest.firstSeq);
        floor = Math.max(floor, oldest.lastSeq);
      }
      Files.deleteIfExists(oldest.file);
      log.debug("journal segment {} (batches {}..{}) deleted: {}", oldest.file, oldest.firstSeq, oldest.lastSeq, why);
    }
  }

  public synchronized long sizeBytes() {
    long sum = 0;
    for (Segment s : segments.values()) {
      sum += s.size;
    }
    return sum;
  }

  public synchronized int segmentCount() {
    return segments.size();
  }

  public synchronized long lastSeq() {
    return lastSeq;
  }

  public Path dir() {
    return dir;
  }

  /** A forward reader of the batches after {@code afterSeq}; holds one record in memory at a time. */
  public Reader reader(long afterSeq) {
    return new Reader(afterSeq);
  }

  /** Not thread safe: one per slave link. */
  public final class Reader implements AutoCloseable {
    private long position;
    private Segment seg;
    private FileChannel ch;
    private long offset;

    private Reader(long afterSeq) {
      this.position = afterSeq;
    }

    /** The seq of the last entry returned (or the start position). */
    public long position() {
      return position;
    }

    /**
     * The next batch after {@link #position()}, or null when the journal holds none yet.
     *
     * @throws JournalGapException when retention dropped batches this reader still needs
     */
    public JournalEntry next() throws IOException {
      while (true) {
        long end;
        synchronized (Journal.this) {
          if (position < floor) {
            throw new JournalGapException("journal " + dir + " retains batches after " + floor + " only, the slave is at " + position);
          }
          if (seg == null || !segments.containsKey(seg.firstSeq) || (offset >= seg.size && seg.lastSeq <= position)) {
            Map.Entry<Long, Segment> e = segments.floorEntry(position + 1);
            if (e == null || e.getValue().lastSeq <= position) {
              e = segments.higherEntry(position);
            }
            if (e == null) {
              return null;
            }
            if (e.getValue() != seg) {
              closeChannel();
              seg = e.getValue();
              offset = 0;
            } else if (offset >= seg.size) {
              return null;
            }
          }
          end = seg.size;
        }
        if (offset >= end) {
          return null;
        }
        if (ch == null) {
          try {
            ch = FileChannel.open(seg.file, StandardOpenOption.READ);
          } catch (NoSuchFileException e) {
            seg = null; // pruned under us: the floor check above decides
            continue;
          }
        }
        RecordRead r = readRecord(ch, seg.file, offset, end);
        if (r == null) {
          throw new JournalCorruptException(seg.file, offset, "record cut short inside the committed part");
        }
        offset = r.next;
        if (r.entry.seq() > position) {
          position = r.entry.seq();
          return r.entry;
        }
      }
    }

    private void closeChannel() throws IOException {
      if (ch != null) {
        ch.close();
        ch = null;
      }
    }

    @Override
    public void close() throws IOException {
      closeChannel();
    }
  }

  @Override
  public synchronized void close() throws IOException {
    if (active != null) {
      active.close();
      active = null;
    }
  }
}
