package org.replicator.agent.watch;

import io.methvin.watcher.DirectoryChangeEvent;
import io.methvin.watcher.DirectoryChangeListener;
import io.methvin.watcher.DirectoryWatcher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.replicator.core.path.RelPath;
import org.replicator.core.watch.ChangeEvent;
import org.replicator.core.watch.ChangeSink;
import org.replicator.core.watch.ChangeSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recursive inotify watching through directory-watcher, with its file hashing switched off (we
 * hash ourselves; its hashing reads every file at start and hides mtime-only changes).
 *
 * <p>Nothing is lost silently: on Linux an inotify/WatchService overflow does not reach us as an
 * OVERFLOW event but as an exception (directory-watcher 0.19.1 fails on the overflow's null
 * context), and JDK 17 drops events past 512 pending per directory. Every OVERFLOW, every
 * exception and every failed registration becomes a rescan request; the coalescer and the
 * planner compare the subtree with the index.
 *
 * <p>Threads: one watcher thread of its own. Paths under the reserved {@code .replicator/} folder
 * are not replicated, but the creation of a {@code .replicator/barrier-N} file is reported to the
 * barrier callback with its name (see MasterAgent#awaitAllApplied for what it proves).
 */
public final class DirectoryWatcherSource implements ChangeSource {
  private static final Logger log = LoggerFactory.getLogger(DirectoryWatcherSource.class);
  public static final String BARRIER_PREFIX = RelPath.RESERVED + "/barrier-";

  private final Path root;
  private final java.util.function.Consumer<String> onBarrier;
  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "replicator-watch");
    t.setDaemon(true);
    return t;
  });
  private DirectoryWatcher watcher;
  private CompletableFuture<Void> running;

  public DirectoryWatcherSource(Path root, java.util.function.Consumer<String> onBarrier) {
    this.root = root;
    this.onBarrier = onBarrier;
  }

  @Override
  public void start(ChangeSink sink) throws IOException {
    watcher = DirectoryWatcher.builder()
        .path(root)
        .fileHashing(false)
        .listener(new DirectoryChangeListener() {
          @Override
          public void onEvent(DirectoryChangeEvent event) {
            deliver(event, sink);
          }

          @Override
          public void onException(Exception e) {
            // Overflow on Linux arrives here (see class doc); so do failed registrations.
            log.warn("event=watch-exception cause=\"{}\" action=rescan", e.toString());
            sink.onRescan("", e instanceof NullPointerException ? "overflow" : "watch-error", e.toString());
          }
        })
        .build();
    running = watcher.watchAsync(executor);
    running.whenComplete((v, e) -> {
      if (e != null) {
        log.error("event=watcher-stopped cause=\"{}\" action=rescan", e.toString());
        sink.onRescan("", "watcher-stopped", e.toString());
      }
    });
  }

  private void deliver(DirectoryChangeEvent event, ChangeSink sink) {
    if (event.eventType() == DirectoryChangeEvent.EventType.OVERFLOW) {
      String sub = event.path() == null ? "" : relative(event.path());
      sink.onRescan(sub == null ? "" : sub, "overflow", "OVERFLOW event");
      return;
    }
    Path absolute = event.path();
    if (absolute == null) {
      sink.onRescan("", "overflow", "event without a path");
      return;
    }
    String path = relative(absolute);
    if (path == null || path.isEmpty()) {
      return;
    }
    if (RelPath.isSameOrUnder(path, RelPath.RESERVED)) {
      if (path.startsWith(BARRIER_PREFIX) && event.eventType() == DirectoryChangeEvent.EventType.CREATE) {
        onBarrier.accept(path.substring(BARRIER_PREFIX.length()));
      }
      return;
    }
    ChangeEvent.Kind kind = switch (event.eventType()) {
      case CREATE -> ChangeEvent.Kind.CREATE;
      case DELETE -> ChangeEvent.Kind.DELETE;
      default -> ChangeEvent.Kind.MODIFY;
    };
    sink.onEvent(new ChangeEvent(kind, path));
  }

  private String relative(Path absolute) {
    if (!absolute.startsWith(root)) {
      return null;
    }
    return root.relativize(absolute).toString();
  }

  @Override
  public void close() throws IOException {
    if (watcher != null) {
      watcher.close();
    }
    executor.shutdownNow();
  }
}
