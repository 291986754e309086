package org.replicator.core.plan;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.replicator.core.hash.ContentHasher;

/**
 * Cuts a file's content into chunks of at most {@link #CHUNK} bytes, turning every all-zero
 * 4 KiB page into a zero run so that holes stay holes on the slave (Java 17 cannot ask for
 * SEEK_HOLE; a written page of zeros becomes a hole too, with the same content). It hashes what it
 * reads, so the sender can check that a streamed file is still the version that was planned.
 *
 * <p>Memory: one buffer of {@link #CHUNK} bytes, or of the file's size plus one when smaller. Not
 * thread safe; one per transfer.
 */
public final class ContentChunker implements AutoCloseable {
  public static final int CHUNK = 256 * 1024;
  private static final int PAGE = 4096;
  private static final byte[] ZERO_PAGE = new byte[PAGE];

  private final SeekableByteChannel channel;
  private final byte[] inline;
  private final long size;
  private final ContentHasher hasher = new ContentHasher();
  private final byte[] buffer;
  private int bufferLength;
  private int bufferPos;
  private long position;
  private long pendingZeros;

  private ContentChunker(SeekableByteChannel channel, byte[] inline, long size) {
    this.channel = channel;
    this.inline = inline;
    this.size = size;
    // Sized to the file (one byte more, so that a file that grew is still caught): a 256 KiB
    // buffer per small file was zeroed and collected for nothing (the master's sender spent a
    // fifth of its CPU in memset during an initial sync; docs/benchmarks.md, "Issue 16, session 3").
    this.buffer = inline != null ? inline : new byte[(int) Math.min(CHUNK, Math.max(0, size) + 1)];
    if (inline != null) {
      bufferLength = inline.length;
    }
  }

  public static ContentChunker ofBytes(byte[] content) {
    return new ContentChunker(null, content, content.length);
  }

  /** Streams {@code file}, which must be {@code size} bytes long; a file that grew or shrank fails. */
  public static ContentChunker ofFile(Path file, long size) throws IOException {
    return new ContentChunker(Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS), null, size);
  }

  /** The next chunk, or null once the whole content was returned. */
  public Chunk next() throws IOException {
    while (true) {
      if (bufferPos == bufferLength && !fill()) {
        if (pendingZeros > 0) {
          return takeZeros();
        }
        return null;
      }
      int start = bufferPos;
      int end = Math.min(bufferLength, start + CHUNK);
      int dataEnd = start;
      while (dataEnd < end) {
        int pageEnd = Math.min(dataEnd + PAGE, end);
        boolean zero = pageEnd - dataEnd == PAGE && Arrays.equals(buffer, dataEnd, pageEnd, ZERO_PAGE, 0, PAGE);
        if (zero) {
          if (dataEnd > start) {
            break;
          }
          pendingZeros += PAGE;
          hasher.updateZeros(PAGE);
          dataEnd = pageEnd;
          start = pageEnd;
          bufferPos = pageEnd;
          continue;
        }
        if (pendingZeros > 0) {
          return takeZeros();
        }
        dataEnd = pageEnd;
      }
      if (dataEnd > start) {
        bufferPos = dataEnd;
        hasher.update(buffer, start, dataEnd - start);
        return new Chunk.Data(Arrays.copyOfRange(buffer, start, dataEnd));
      }
    }
  }

  /** The read buffer's size (tests). */
  int bufferCapacity() {
    return buffer.length;
  }

  /** Hash of everything returned so far; complete once {@link #next()} returned null. */
  public long hash() {
    return hasher.finish();
  }

  private Chunk takeZeros() {
    Chunk zeros = new Chunk.Zeros(pendingZeros);
    pendingZeros = 0;
    return zeros;
  }

  private boolean fill() throws IOException {
    if (inline != null || channel == null) {
      return false;
    }
    ByteBuffer target = ByteBuffer.wrap(buffer);
    while (target.hasRemaining()) {
      int n = channel.read(target);
      if (n < 0) {
        break;
      }
    }
    bufferLength = target.position();
    bufferPos = 0;
    position += bufferLength;
    if (position > size) {
      throw new IOException("file grew while being sent: " + position + " bytes read, " + size + " expected");
    }
    if (bufferLength == 0 && position < size) {
      throw new IOException("file shrank while being sent: " + position + " bytes read, " + size + " expected");
    }
    return bufferLength > 0;
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      channel.close();
    }
  }
}
