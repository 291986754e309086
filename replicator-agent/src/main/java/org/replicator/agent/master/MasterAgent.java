package org.replicator.agent.master;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.replicator.agent.Agent;
import org.replicator.agent.AgentEvents;
import org.replicator.agent.journal.Journal;
import org.replicator.agent.lifecycle.IndexFiles;
import org.replicator.agent.lifecycle.OpsEndpoints;
import org.replicator.agent.metrics.MasterMeters;
import org.replicator.agent.lifecycle.StateDirLock;
import org.replicator.agent.lifecycle.StateDirs;
import org.replicator.agent.lifecycle.StateFile;
import org.replicator.agent.net.SessionLimits;
import org.replicator.agent.net.Transport;
import org.replicator.agent.stats.ErrorCounts;
import org.replicator.agent.stats.ErrorKind;
import org.replicator.agent.stats.MasterStats;
import org.replicator.agent.stats.RescanCounts;
import org.replicator.agent.stats.SlaveLagView;
import org.replicator.agent.tls.NodeTls;
import org.replicator.agent.tls.TlsContexts;
import org.replicator.agent.tls.TlsMaterial;
import org.replicator.agent.watch.ChangeSources;
import org.replicator.agent.watch.DirectoryWatcherSource;
import org.replicator.agent.watch.WatchStatus;
import org.replicator.core.watch.ChangeSource;
import org.replicator.core.apply.DocrootMarker;
import org.replicator.core.apply.MarkerState;
import org.replicator.core.batch.Coalescer;
import org.replicator.core.batch.CoalescerListener;
import org.replicator.core.batch.CoalescerSettings;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.delta.SignatureStore;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;
import org.replicator.core.path.RelPath;
import org.replicator.core.plan.Deltas;
import org.replicator.core.plan.PlanResult;
import org.replicator.core.plan.Planner;
import org.replicator.core.plan.PlannerSettings;
import org.replicator.core.scan.Scanner;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master node: watches the docroot, plans batches, and runs one {@link SlaveLink} per slave.
 *
 * <p>Start order matters: the watcher starts before the startup rescan, so that nothing changed
 * during the scan is missed (events are only hints; the planner looks at the disk). Threads: the
 * watcher's, the planner's, one sender per slave, one Netty event loop shared by the links.
 */
public final class MasterAgent implements Agent, MasterStats {
  private static final Logger log = LoggerFactory.getLogger(MasterAgent.class);
  private static final long SAVE_EVERY_NANOS = TimeUnit.SECONDS.toNanos(60);
  /** Deletes dispatched within this window count together for the mass-delete rule. */
  private static final long MASS_DELETE_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** {time, deleted entries, tree size before} of recent batches with deletes; planner thread only. */
  private final java.util.ArrayDeque<long[]> recentDeletes = new java.util.ArrayDeque<>();
  /** After confirm-delete, deletes go through until then (the rest of the confirmed wave). */
  private volatile long confirmedUntilNanos = System.nanoTime();

  /** Replaced whole by {@link #reload}; only the parts a reload may change ever differ. */
  private volatile ClusterConfig config;
  private final NodeConfig node;
  private final Path docroot;
  private final Path stateDir;
  private final boolean owners = AgentEvents.isRoot();
  private final RescanCounts rescans = new RescanCounts();
  private final ErrorCounts errors = new ErrorCounts();
  private final AgentEvents.ScanLogger scanEvents = new AgentEvents.ScanLogger(errors);
  /** Copy-on-write: iterated by the planner, status and control threads while a reload adds or removes links. */
  private final List<SlaveLink> links = new java.util.concurrent.CopyOnWriteArrayList<>();
  private TlsMaterial tls;
  /** Waiters by the barrier file they wait for; see {@link #awaitAllApplied}. */
  private final java.util.concurrent.ConcurrentHashMap<String, Barrier> barriers = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong barrierCounter = new java.util.concurrent.atomic.AtomicLong();
  private EventLoopGroup group;
  private OpsEndpoints endpoints;
  /** Null when the node has no {@code metrics} endpoint; a reload adds and removes slaves' meters. */
  private volatile MasterMeters slaveMeters;
  private ChangeSource watcher;
  private WatchStatus watchStatus;
  private Coalescer coalescer;
  private PlannerLoop loop;
  private Thread loopThread;
  private Index index;
  private volatile Deltas deltas = Deltas.OFF;
  /** Maintenance: nothing is sent while set; survives a restart (a file in the state dir). */
  private volatile boolean paused;
  /** Recently used signatures kept in memory; the rest are read back from the state dir. */
  private static final long SIGNATURE_CACHE_BYTES = 16L << 20;
  private long lastSave = System.nanoTime();
  private long savedSeq = -1;
  private static final long JOURNAL_UPKEEP_NANOS = TimeUnit.SECONDS.toNanos(1);
  private long lastJournalUpkeep;
  private Journal journal;
  /** Held from the first line of {@link #start} to the last of {@link #close}: one agent per state_dir. */
  private StateDirLock stateLock;

  public MasterAgent(ClusterConfig config, NodeConfig node) {
    this.config = config;
    this.node = node;
    this.docroot = config.docrootOf(node);
    this.stateDir = config.stateDirOf(node);
  }

  @Override
  public void start() throws IOException {
    // First of all: a second agent of this node stops here, before it touches anything.
    stateLock = StateDirs.createAndLock(stateDir, node.name());
    // Before anything else: a node without its TLS material must not start half-way.
    tls = NodeTls.start(config, node);
    MarkerState marker = DocrootMarker.check(docroot, stateDir, DocrootMarker.adoptCommand(config.sourceFile(), node.name()));
    // The master's docroot is the truth: a first start (no identity yet) adopts whatever it holds.
    // Only a docroot that lost the marker this node created (LOST) is refused.
    if (marker.status() == MarkerState.Status.FRESH) {
      DocrootMarker.initialise(docroot, stateDir, config.cluster());
      log.info("docroot={} initialised (marker and identity created)", docroot);
    } else if (marker.status() == MarkerState.Status.MISSING_MARKER_NONEMPTY || marker.status() == MarkerState.Status.NO_IDENTITY) {
      DocrootMarker.adopt(docroot, stateDir, config.cluster());
      log.info("docroot={} adopted as the master's (marker and identity created)", docroot);
    } else if (!marker.isOk()) {
      throw new IOException(marker.message() + "; refusing to replicate (deletes would empty every slave)");
    }
    paused = Files.exists(stateDir.resolve(PAUSED_FILE));
    if (paused) {
      log.warn("node={} starts paused (an operator ran replicator pause): nothing is sent until replicator resume", node.name());
    }
    index = IndexFiles.loadOrEmpty(stateDir);
    long savedSeq = Math.max(1, new StateFile(stateDir.resolve("master.state")).readLong("seq", 1));
    journal = Journal.open(stateDir.resolve("journal"), Journal.Settings.of(config.journal().maxBytes(), config.journal().maxAgeSeconds()), savedSeq);
    // After a crash the journal may be ahead of the saved counter: never reuse a journaled number.
    long firstSeq = Math.max(savedSeq, journal.lastSeq());
    Scanner scanner = new Scanner(docroot, config.excludeMatcher(), owners, scanEvents);
    coalescer = new Coalescer(CoalescerSettings.of(config.batchWindowMillis(), config.batchMaxEvents()),
        config.excludeMatcher(), System::nanoTime, rescans);
    // Chosen first: what the planner may trust (close-write, rename pairs) depends on it.
    ChangeSources.Choice source = ChangeSources.choose(docroot, config.excludeMatcher(), this::barrierSeen);
    watchStatus = new WatchStatus(source, coalescer);
    PlannerSettings settings = new PlannerSettings(1 << 20, 16L << 20, 2_000_000L, 20_000_000L, config.delete().live())
        .withCloseWrite(source.source().reportsCloseWrite(), PlannerSettings.DEFAULT_OPEN_SNAPSHOT_NANOS);
    Planner planner = new Planner(docroot, index, scanner, config.excludeMatcher(), settings, new PlanLogger(errors, watchStatus), System::nanoTime);
    deltas = openDeltas(index);
    planner.useDeltas(deltas);
    planner.useWriterCheck(source.writerCheck());
    loop = new PlannerLoop(this, coalescer, planner, index, firstSeq, config.reconcileIntervalSeconds());

    watcher = source.source();
    cleanBarrierFiles();
    watcher.start(coalescer);
    coalescer.onRescan("", "startup", "compare the docroot with the saved index");
    loopThread = new Thread(loop, "replicator-planner");
    loopThread.start();

    group = Transport.newGroup(1);
    for (NodeConfig slave : config.slaves()) {
      addLink(slave);
    }
    endpoints = OpsEndpoints.start(config, node, meters -> slaveMeters = MasterMeters.bind(meters, this), null);
    log.info("node={} role=master docroot={} slaves={} entries={}", node.name(), docroot, links.size(), index.size());
  }

  private void addLink(NodeConfig slave) throws IOException {
    SlaveLink link = new SlaveLink(this, slave, group, config.bandwidthLimitBytesPerSecond(), tlsTowards(tls, slave), SessionLimits.DEFAULT);
    links.add(link);
    // After joining the list (every later batch is offered to it), before dialling (no ack yet).
    link.lag.restore(journal, slave.name());
    link.start();
    if (slaveMeters != null) {
      slaveMeters.addSlave(link); // after a reload; at start, bind registers every link
    }
  }

  /**
   * A re-read cluster file ({@code replicator reload}): links to new slaves start (each begins
   * with a catch-up by diff), links to removed slaves stop (connection closed, queue dropped). A
   * slave whose address changed is both. Anything else that differs needs a restart: then
   * nothing changes.
   */
  @Override
  public synchronized Map<String, Object> reload(ClusterConfig next) throws IOException {
    org.replicator.core.config.ConfigChange change = org.replicator.core.config.ConfigChange.between(config, next, node.name());
    if (change.needsRestart()) {
      throw new IllegalArgumentException(next.sourceFile() + ": " + String.join("; ", change.restartNeeded())
          + ": cannot be applied to a running agent; nothing was changed; restart the agent to apply the file");
    }
    for (NodeConfig gone : change.removedSlaves()) {
      for (SlaveLink link : links) {
        if (link.name().equals(gone.name())) {
          link.stop();
          links.remove(link);
          if (slaveMeters != null) {
            slaveMeters.removeSlave(gone.name());
          }
          journal.forget(gone.name());
          log.info("node={} reload: slave {} removed, its link stopped", node.name(), gone.name());
        }
      }
    }
    config = next; // before the new links dial: their hello carries the new replication hash
    for (NodeConfig added : change.addedSlaves()) {
      addLink(added);
      log.info("node={} reload: slave {} added at {}, catching up", node.name(), added.name(), added.address());
    }
    Map<String, Object> result = new java.util.LinkedHashMap<>();
    result.put("added", change.addedSlaves().stream().map(NodeConfig::name).toList());
    result.put("removed", change.removedSlaves().stream().map(NodeConfig::name).toList());
    return result;
  }

  /** The TLS context that accepts only {@code slave}'s certificate; null for plain TCP. */
  private static SslContext tlsTowards(TlsMaterial own, NodeConfig slave) throws IOException {
    if (own == null) {
      return null;
    }
    try {
      return TlsContexts.forMaster(own, slave.name());
    } catch (java.security.GeneralSecurityException | javax.net.ssl.SSLException e) {
      throw new IOException("cannot set up TLS towards slave " + slave.name() + ": " + e.getMessage(), e);
    }
  }

  Path docroot() {
    return docroot;
  }

  private static final String PAUSED_FILE = "paused";

  boolean paused() {
    return paused;
  }

  /**
   * Operator maintenance switch. Paused, the master keeps watching and planning (the index stays
   * true and every change is numbered) but no link sends anything; a link whose queue overflows
   * meanwhile catches up by diff after {@link #setPaused(boolean) resume}, so memory stays
   * bounded however long the pause. Persisted, so that a restart does not resume by surprise.
   */
  public Map<String, Object> setPaused(boolean pause) throws IOException {
    Path file = stateDir.resolve(PAUSED_FILE);
    boolean was = paused;
    if (pause) {
      Files.writeString(file, java.time.Instant.now() + "\n");
    } else {
      Files.deleteIfExists(file);
    }
    paused = pause;
    if (was != pause) {
      log.warn("node={} {} by an operator", node.name(), pause ? "paused: nothing is sent until replicator resume" : "resumed");
      for (SlaveLink link : links) {
        link.wake();
      }
    }
    return Map.of("paused", pause, "changed", was != pause);
  }

  int antiEntropyIntervalSeconds() {
    return config.antiEntropyIntervalSeconds();
  }

  /** Patches and the signatures they need: shared by the planner and every sender. */
  Deltas deltas() {
    return deltas;
  }

  /**
   * The signature store in {@code <state_dir>/signatures}, without the signatures of versions no
   * file has any more. A store that cannot be opened turns patches off (whole files still flow).
   */
  private Deltas openDeltas(Index loaded) {
    try {
      SignatureStore store = new SignatureStore(stateDir.resolve("signatures"), SIGNATURE_CACHE_BYTES);
      java.util.Set<Long> live = new java.util.HashSet<>();
      for (Entry e : loaded.entries()) {
        if (e.type() == EntryType.FILE) {
          live.add(e.hash());
        }
      }
      int removed = store.retainOnly(live::contains);
      log.info("signatures={} stale removed={}", stateDir.resolve("signatures"), removed);
      return new Deltas(store, Deltas.DEFAULT_MIN_BYTES);
    } catch (IOException e) {
      log.warn("signatures={} cannot be used ({}); large files will travel whole", stateDir.resolve("signatures"), e.toString());
      return Deltas.OFF;
    }
  }

  boolean replicateOwners() {
    return owners;
  }

  boolean deletesOnCatchUp() {
    return config.delete().catchUp();
  }

  Message.Hello hello(NodeConfig slave) {
    return new Message.Hello(Protocol.MAJOR, Protocol.MINOR, config.cluster(), node.name(), slave.name(), config.replicationHash(), owners);
  }

  /**
   * Planner thread: journals the batch (fsynced) before any link may send it. If the journal
   * cannot take it, the journal is emptied (a reader must never step over a missing batch: every
   * slave it had would get a tree comparison) and the links still get the batch from memory.
   */
  void dispatch(PlannedBatch batch) {
    try {
      journal.append(batch.seq(), batch.createdAtMillis(), batch.bytes(), batch.ops());
    } catch (IOException | RuntimeException e) {
      errors.add(ErrorKind.PLAN);
      log.error("event=journal-append-failed batch={} journal={} cause=\"{}\" action=\"journal restarted empty; a slave behind it is caught up by diff\"",
          batch.seq(), journal.dir(), e.toString());
      try {
        journal.clear(batch.seq());
      } catch (IOException again) {
        log.error("journal={} cannot be emptied: {}", journal.dir(), again.toString());
      }
    }
    for (SlaveLink link : links) {
      link.offer(batch);
    }
  }

  /** Every slave compares trees again (after a planning failure). */
  void catchUpAll() {
    for (SlaveLink link : links) {
      link.requestCatchUp();
    }
  }

  /**
   * A copy of the index as of the last planned batch, without touching any link's queue (for a
   * verify or resync). Refused while a mass delete is held: the operator decides that first.
   */
  Snapshot plainSnapshot() throws Exception {
    Snapshot s = loop.submit(() -> loop.held() != null ? null : new Snapshot(index.copy(), loop.seq())).get(60, TimeUnit.SECONDS);
    if (s == null) {
      throw new IllegalStateException("a mass delete is held: confirm it (replicator confirm-delete) or restore the files first");
    }
    return s;
  }

  /**
   * Compares (and with {@code repair} repairs) the trees of one slave or all of them; see
   * {@link TreeCheck}. Blocks until every selected slave answered or the timeout passed.
   */
  public Map<String, Object> checkTrees(String slaveName, boolean repair, long timeoutMillis) throws Exception {
    return checkTrees(slaveName, repair, timeoutMillis, new CompletableFuture<>());
  }

  /**
   * As {@link #checkTrees(String, boolean, long)}; when {@code clientGone} completes (the control
   * client hung up) or the timeout passes, the checks not answered yet are cancelled, so that they
   * neither run for nobody nor refuse the next verify as "already running".
   */
  public Map<String, Object> checkTrees(String slaveName, boolean repair, long timeoutMillis, CompletableFuture<?> clientGone)
      throws Exception {
    List<SlaveLink> selected = new ArrayList<>();
    for (SlaveLink link : links) {
      if (slaveName == null || slaveName.isEmpty() || link.name().equals(slaveName)) {
        selected.add(link);
      }
    }
    if (selected.isEmpty()) {
      throw new IllegalArgumentException("no slave named '" + slaveName + "'");
    }
    List<Map<String, Object>> reports = new ArrayList<>();
    List<TreeCheck> checks = new ArrayList<>();
    for (SlaveLink link : selected) {
      checks.add(link.check(repair));
    }
    clientGone.thenRun(() -> {
      for (int i = 0; i < checks.size(); i++) {
        if (checks.get(i).cancel("the client went away")) {
          log.info("slave={} {} cancelled: the client went away", selected.get(i).name(), checks.get(i).kind);
        }
      }
    });
    long deadline = System.currentTimeMillis() + timeoutMillis;
    long total = 0;
    for (int i = 0; i < selected.size(); i++) {
      Map<String, Object> r;
      try {
        r = checks.get(i).result.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        total += ((Number) r.get("differenceCount")).longValue();
      } catch (java.util.concurrent.TimeoutException e) {
        String waited = selected.get(i).checkWaitsFor();
        checks.get(i).cancel("timed out");
        r = new LinkedHashMap<>(Map.of("name", selected.get(i).name(),
            "error", "no answer within " + (timeoutMillis >= 1000 ? timeoutMillis / 1000 + " s" : timeoutMillis + " ms") + " (" + waited
                + "; see replicator status)"));
      } catch (CancellationException e) {
        r = new LinkedHashMap<>(Map.of("name", selected.get(i).name(), "error", "cancelled: " + e.getMessage()));
      } catch (java.util.concurrent.ExecutionException e) {
        Throwable cause = e.getCause();
        r = new LinkedHashMap<>(Map.of("name", selected.get(i).name(), "error",
            cause.getMessage() != null ? cause.getMessage() : "failed without a reason; the master's log has the details"));
      }
      reports.add(r);
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("differenceCount", total);
    result.put("slaves", reports);
    return result;
  }

  /** Sender thread of {@code link}; blocks until the planner took the snapshot (or a batch is held). */
  Snapshot snapshotFor(SlaveLink link) throws Exception {
    while (true) {
      Snapshot s = loop.submit(() -> loop.snapshot(link)).get(60, TimeUnit.SECONDS);
      if (s != null) {
        return s;
      }
      Thread.sleep(1000);
    }
  }

  /** Null when the planned batch may go, else why it is held for an operator. */
  String holdReason(PlanResult result) {
    if (result.deletedEntries() == 0) {
      return null;
    }
    if (!markerOk()) {
      return "the docroot marker " + docroot.resolve(RelPath.RESERVED).resolve("marker") + " is gone: is the disk still mounted?";
    }
    // An `rm -rf` reaches us as several batches: count the deletes of the last few seconds together.
    long now = System.nanoTime();
    if (now - confirmedUntilNanos < 0) {
      return null; // the operator confirmed these deletes: the rest of the same wave follows
    }
    recentDeletes.removeIf(d -> now - d[0] > MASS_DELETE_WINDOW_NANOS);
    long deletes = result.deletedEntries();
    long treeBefore = result.entriesBefore();
    for (long[] d : recentDeletes) {
      deletes += d[1];
      treeBefore = Math.max(treeBefore, d[2]);
    }
    double share = treeBefore == 0 ? 1.0 : (double) deletes / treeBefore;
    if (deletes >= config.massDeleteMinPaths() && share > config.massDeleteThreshold()) {
      return String.format(java.util.Locale.ROOT, "mass delete: %d of %d entries within %d s (%.0f%%, threshold %.0f%%)",
          deletes, treeBefore, MASS_DELETE_WINDOW_NANOS / 1_000_000_000L, share * 100, config.massDeleteThreshold() * 100);
    }
    recentDeletes.add(new long[] {now, result.deletedEntries(), result.entriesBefore()});
    return null;
  }

  private boolean markerOk() {
    try {
      return DocrootMarker.check(docroot, stateDir).isOk();
    } catch (IOException e) {
      return false;
    }
  }

  /** Control endpoint: release a held batch; deletes of the next 10 s are not held again. */
  HeldBatch confirmHeld() throws Exception {
    return loop.submit(() -> {
      HeldBatch released = loop.release();
      if (released != null) {
        recentDeletes.clear();
        confirmedUntilNanos = System.nanoTime() + MASS_DELETE_WINDOW_NANOS;
      }
      return released;
    }).get(10, TimeUnit.SECONDS);
  }

  /** One caller of {@link #awaitAllApplied}: two barrier files, then the planned batch. */
  private static final class Barrier {
    final CompletableFuture<Long> planned = new CompletableFuture<>();
    volatile boolean second;
    volatile boolean handedOver;
  }

  /**
   * Read-your-writes barrier: returns once every change made before the call has been applied on
   * every slave, or false at the deadline.
   *
   * <p>Why two barrier files: inotify is one FIFO per watcher, so once the event of a file created
   * now has been read, every earlier event has been read too and sits in its directory's watch
   * key. But the JDK hands out keys, not events, in order: a busy directory's key can be queued
   * behind ours. A second file, created only after the first one's event arrived, is queued behind
   * every key that was pending then, and each key delivers all its events at once; so when the
   * second event arrives, every event older than the call has been delivered. The batch that
   * carries the barrier (and any file still settling) is then awaited on every slave. If a barrier
   * event is lost (overflow of the reserved folder's own queue), a full rescan stands in for it.
   */
  public boolean awaitAllApplied(long timeoutMillis) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    Barrier barrier = new Barrier();
    createBarrierFile(barrier);
    Long seq;
    try {
      seq = barrier.planned.get(Math.min(2000, Math.max(1, deadline - System.currentTimeMillis())), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      // A barrier event did not arrive: a full rescan sees everything instead.
      if (handOver(barrier)) {
        barriers.values().remove(barrier);
        coalescer.onRescan("", "barrier-fallback", "barrier event not seen within 2 s");
      }
      try {
        seq = barrier.planned.get(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException again) {
        return false;
      }
    }
    while (System.currentTimeMillis() < deadline) {
      boolean all = true;
      for (SlaveLink link : links) {
        all &= link.hasApplied(seq);
      }
      if (all) {
        return true;
      }
      Thread.sleep(2);
    }
    return false;
  }

  private void createBarrierFile(Barrier barrier) throws IOException {
    String name = Long.toString(barrierCounter.incrementAndGet());
    barriers.put(name, barrier);
    Path file = docroot.resolve(DirectoryWatcherSource.BARRIER_PREFIX + name);
    Files.createFile(file);
  }

  private boolean handOver(Barrier barrier) {
    synchronized (barrier) {
      if (barrier.handedOver) {
        return false;
      }
      barrier.handedOver = true;
    }
    coalescer.addBarrier(barrier.planned);
    return true;
  }

  /** Watcher thread: the event of barrier file {@code name} arrived. */
  private void barrierSeen(String name) {
    Barrier barrier = barriers.remove(name);
    try {
      Files.deleteIfExists(docroot.resolve(DirectoryWatcherSource.BARRIER_PREFIX + name));
    } catch (IOException e) {
      log.debug("cannot remove barrier file {}: {}", name, e.toString());
    }
    if (barrier == null) {
      return;
    }
    if (!barrier.second) {
      barrier.second = true;
      try {
        createBarrierFile(barrier);
      } catch (IOException e) {
        handOver(barrier);
        coalescer.onRescan("", "barrier-fallback", e.toString());
      }
      return;
    }
    handOver(barrier);
  }

  private void cleanBarrierFiles() throws IOException {
    Path reserved = docroot.resolve(RelPath.RESERVED);
    if (!Files.isDirectory(reserved)) {
      return;
    }
    try (var files = Files.newDirectoryStream(reserved, "barrier-*")) {
      for (Path f : files) {
        Files.deleteIfExists(f);
      }
    }
  }

  /**
   * Planner thread, at most once a second (after each batch and when idle): persists each
   * slave's acknowledged position and deletes
   * the journal segments every slave has or that retention drops.
   */
  void maintainJournal(boolean force) {
    if (!force && System.nanoTime() - lastJournalUpkeep < JOURNAL_UPKEEP_NANOS) {
      return;
    }
    lastJournalUpkeep = System.nanoTime();
    List<String> names = new ArrayList<>();
    try {
      for (SlaveLink link : links) {
        names.add(link.name());
        if (link.lastAckedSeq() > 0) {
          journal.acknowledged(link.name(), link.lastAckedSeq());
        }
      }
      journal.prune(names, System.currentTimeMillis());
    } catch (IOException e) {
      log.warn("journal={} upkeep failed: {} (retried in a second)", journal.dir(), e.toString());
    }
  }

  Journal journal() {
    return journal;
  }

  /** Planner thread: persists the index and the batch counter now and then, and at stop. */
  void maybeSaveState(Index idx, long seq, boolean force) {
    maintainJournal(force);
    if (!force && (seq == savedSeq || System.nanoTime() - lastSave < SAVE_EVERY_NANOS)) {
      return;
    }
    try {
      idx.save(IndexFiles.of(stateDir));
      new StateFile(stateDir.resolve("master.state")).write("seq", seq);
      savedSeq = seq;
      lastSave = System.nanoTime();
    } catch (IOException e) {
      log.warn("cannot save state in {}: {} (a restart rescans)", stateDir, e.toString());
      lastSave = System.nanoTime();
    }
  }

  @Override
  public Map<String, Object> status(boolean verbose) {
    long now = System.currentTimeMillis();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("node", node.name());
    m.put("role", "master");
    m.put("cluster", config.cluster());
    HeldBatch h = loop.held();
    boolean isPaused = paused;
    m.put("state", h != null ? "held" : isPaused ? "paused" : "running");
    m.put("message", h != null ? h.reason() + "; confirm with: replicator confirm-delete"
        : isPaused ? "paused by an operator: changes are planned and queued, nothing is sent; resume with: replicator resume" : loop.lastError());
    m.put("paused", isPaused);
    m.put("seq", loop.seq());
    m.put("pendingPaths", coalescer.pendingPaths());
    m.put("rescans", rescans.snapshot());
    m.put("watcher", watchStatus.snapshot());
    m.put("errors", errors.snapshot());
    m.put("scanHashedFiles", scanEvents.hashedFiles());
    m.put("scanHashedBytes", scanEvents.hashedBytes());
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("dir", journal.dir().toString());
    j.put("bytes", journal.sizeBytes());
    j.put("segments", journal.segmentCount());
    j.put("lastSeq", journal.lastSeq());
    m.put("journal", j);
    if (h != null) {
      Map<String, Object> held = new LinkedHashMap<>();
      held.put("seq", h.batch().seq());
      held.put("deletes", h.deletedEntries());
      held.put("entries", h.entriesBefore());
      held.put("reason", h.reason());
      m.put("held", held);
    } else {
      m.put("held", null);
    }
    List<Map<String, Object>> slaves = new ArrayList<>();
    for (SlaveLink link : links) {
      slaves.add(link.status(now));
    }
    m.put("slaves", slaves);
    return m;
  }

  Map<String, Object> confirm() throws Exception {
    HeldBatch h = confirmHeld();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("released", h != null);
    m.put("seq", h == null ? null : h.batch().seq());
    return m;
  }

  /** For the control endpoint (same package access would not reach it). */
  public Map<String, Object> confirmDelete() throws Exception {
    return confirm();
  }

  @Override
  public Path stateDir() {
    return stateDir;
  }

  @Override
  public List<SlaveLagView> slaveViews() {
    return List.copyOf(links);
  }

  @Override
  public RescanCounts rescans() {
    return rescans;
  }

  @Override
  public ErrorCounts errors() {
    return errors;
  }

  /** Number of the last batch planned. */
  public long seq() {
    return loop == null ? 0 : loop.seq();
  }

  /**
   * Milliseconds since the oldest change that no planned batch carries yet (events waiting for the
   * batch window, a deferred file, a rescan for lost events, the batch being planned), or -1.
   * Every slave lags by it: see {@link SlaveLink#lagBatches()}.
   */
  long unplannedAgeMillis() {
    Coalescer c = coalescer;
    if (c == null) {
      return -1;
    }
    long since = c.unplannedSinceNanos();
    return since == Coalescer.NONE ? -1 : Math.max(0, (System.nanoTime() - since) / 1_000_000);
  }

  @Override
  public boolean isHeld() {
    return loop != null && loop.held() != null;
  }

  @Override
  public long pendingPaths() {
    return coalescer == null ? 0 : coalescer.pendingPaths();
  }

  @Override
  public long journalBytes() {
    return journal == null ? 0 : journal.sizeBytes();
  }

  @Override
  public long journalSegments() {
    return journal == null ? 0 : journal.segmentCount();
  }

  @Override
  public java.time.Instant tlsCertificateNotAfter() {
    TlsMaterial own = tls;
    return own == null ? null : own.cert().getNotAfter().toInstant();
  }

  @Override
  public long scanHashedBytes() {
    return scanEvents.hashedBytes();
  }

  @Override
  public void close() {
    if (stateLock == null) {
      return; // never started, or refused by another agent's lock: nothing of this node is ours to close
    }
    if (endpoints != null) {
      endpoints.close();
    }
    for (SlaveLink link : links) {
      link.stop();
    }
    if (watcher != null) {
      try {
        watcher.close();
      } catch (IOException e) {
        log.debug("closing the watcher: {}", e.toString());
      }
    }
    if (loop != null) {
      loop.stop();
      try {
        loopThread.join(30_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (journal != null) {
      try {
        journal.close();
      } catch (IOException e) {
        log.debug("closing the journal: {}", e.toString());
      }
    }
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
    try {
      stateLock.close();
    } catch (IOException e) {
      log.debug("releasing the state_dir lock: {}", e.toString());
    }
    stateLock = null;
    log.info("node={} stopped", node.name());
  }

  /** Planner events to the log. */
  private static final class PlanLogger implements org.replicator.core.plan.PlanListener {
    private final ErrorCounts errors;
    private final WatchStatus watch;

    PlanLogger(ErrorCounts errors, WatchStatus watch) {
      this.errors = errors;
      this.watch = watch;
    }

    @Override
    public void snapshotWhileOpen(String path, long openForNanos) {
      watch.snapshotShipped(path, openForNanos);
    }

    @Override
    public void pathFailed(String path, IOException error) {
      errors.add(ErrorKind.READ);
      log.warn("event=read-failed path=\"{}\" reason=\"{}\" (slaves keep the previous version; retried)", org.replicator.core.path.UnsafePathException.printable(path), error.toString());
    }

    @Override
    public void pathRefused(String path, String reason) {
      errors.add(ErrorKind.PATH_REFUSED);
      log.warn("event=path-refused path=\"{}\" reason=\"{}\"", org.replicator.core.path.UnsafePathException.printable(path), reason);
    }
  }
}
