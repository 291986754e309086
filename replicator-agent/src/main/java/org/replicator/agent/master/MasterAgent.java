package org.replicator.agent.master;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.replicator.agent.fs.Statx;
import org.replicator.agent.Agent;
import org.replicator.agent.AgentEvents;
import org.replicator.agent.journal.Journal;
import org.replicator.agent.lifecycle.IndexFiles;
import org.replicator.agent.health.FreshnessWriter;
import org.replicator.agent.lifecycle.OpsEndpoints;
import org.replicator.agent.lifecycle.StartupResults;
import org.replicator.agent.lifecycle.StateDirLock;
import org.replicator.agent.lifecycle.StateDirs;
import org.replicator.agent.lifecycle.StateFile;
import org.replicator.agent.metrics.MasterMeters;
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
import org.replicator.core.apply.DocrootMarker;
import org.replicator.core.apply.MarkerState;
import org.replicator.core.batch.Coalescer;
import org.replicator.core.batch.CoalescerListener;
import org.replicator.core.batch.CoalescerSettings;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ConfigChange;
import org.replicator.core.config.HealthConfig;
import org.replicator.core.health.Freshness;
import org.replicator.core.health.Verdict;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.delta.SignatureStore;
import org.replicator.core.index.Entry;
import org.replicator.core.index.EntryType;
import org.replicator.core.index.Index;
import org.replicator.core.path.RelPath;
import org.replicator.core.path.UnsafePathException;
import org.replicator.core.plan.DeleteGuard;
import org.replicator.core.plan.Deltas;
import org.replicator.core.plan.PlanListener;
import org.replicator.core.plan.PlanResult;
import org.replicator.core.plan.PlannedOp;
import org.replicator.core.plan.Planner;
import org.replicator.core.plan.PlannerSettings;
import org.replicator.core.scan.Scanner;
import org.replicator.core.watch.ChangeSource;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;
import org.replicator.core.role.Epoch;
import org.replicator.core.role.Fence;
import org.replicator.core.role.RoleResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master node: watches the docroot, plans batches, and runs one {@link SlaveLink} per slave.
 *
 * <p>Start order matters: the watcher starts before the startup rescan, so that nothing changed
 * during the scan is missed (events are only hints; the planner looks at the disk); the rescan is
 * pending before the links dial (they do so while the watches are added), so that no slave reads
 * as current before it is planned. Threads: the
 * watcher's, the planner's, one sender per slave, one Netty event loop shared by the links.
 *
 * <p>What it owns: start/stop order, the config and its reload, the pause flag, the list of
 * links, and the status map. The rest lives in its rooms (docs/architecture.md, "Rooms"):
 * {@link PlannerLoop} plans, {@link SlaveLink} sends, {@link DeleteGuard} judges deletes,
 * {@link WaitBarrier} answers {@code wait}, {@link TreeChecks} runs verify/resync,
 * {@link MasterUpkeep} saves state and prunes the journal. Links and the loop see this class only
 * through {@link LinkHost} and {@link PlannerLoop.Output}.
 *
 * <p>Size: about 700 lines, past our usual bound: the start sequence (marker, TLS, index,
 * journal, watcher, planner, links, endpoints) and its mirror in {@link #close} are long but one
 * job each, and the status map and the two narrow views above are plain delegation. The next
 * split is the status map, into a view of its own like {@link SlaveLinkStats}.
 */
public final class MasterAgent implements Agent, MasterStats {
  private static final Logger log = LoggerFactory.getLogger(MasterAgent.class);
  /** The mass-delete rule; planner thread only (a confirmation runs as a planner task). */
  private final DeleteGuard deleteGuard;

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
  private final List<SlaveLink> links = new CopyOnWriteArrayList<>();
  private TlsMaterial tls;
  /** Set in {@link #start} before the watcher starts (the watcher thread reads it after). */
  private volatile WaitBarrier waitBarrier;
  private EventLoopGroup group;
  private OpsEndpoints endpoints;
  private FreshnessWriter freshness;
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
  /** Journal upkeep and state saving; planner thread. */
  private MasterUpkeep upkeep;
  private Journal journal;
  /** Held from the first line of {@link #start} to the last of {@link #close}: one agent per state_dir. */
  private StateDirLock stateLock;

  /** The epoch this master sends in its HELLO; replaced before {@link #start} (failover). */
  private volatile Fence fence;

  /** What the links see of this agent (kept off the public API). */
  private final LinkHost linkHost = new Host();
  /** What the planner loop sees of this agent. */
  private final PlannerLoop.Output plannerOutput = new PlannerOutput();

  public MasterAgent(ClusterConfig config, NodeConfig node) {
    this.config = config;
    this.node = node;
    this.docroot = config.docrootOf(node);
    this.stateDir = config.stateDirOf(node);
    this.deleteGuard = new DeleteGuard(config.massDeleteMinPaths(), config.massDeleteThreshold(), System::nanoTime);
    this.fence = Fence.inMemory(RoleResolver.initial(config));
  }

  @Override
  public void start() throws IOException {
    // First of all: a second agent of this node stops here, before it touches anything.
    stateLock = StateDirs.createAndLock(stateDir, node.name());
    // Before anything else: a node without its TLS material must not start half-way.
    tls = NodeTls.start(config, node);
    // The links' TLS contexts (BoringSSL's load, the key and trust set-up) are made on a thread of
    // their own while this one loads the index and the journal (issue 16); joined before the links start.
    CompletableFuture<Map<String, SslContext>> linkContexts = linkContexts(tls, config.slaves());
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
    Scanner scanner = new Scanner(docroot, config.excludeMatcher(), owners, scanEvents, Statx.ifAvailable());
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
    upkeep = new MasterUpkeep(stateDir, journal, links);
    loop = new PlannerLoop(plannerOutput, coalescer, planner, index, firstSeq, config.reconcileIntervalSeconds());
    loop.useUpdateUnits(config.swapPatterns());

    watcher = source.source();
    waitBarrier = new WaitBarrier(docroot, coalescer, this::allApplied);
    waitBarrier.cleanFiles();
    // Pending from here, so that no link reads as current before the rescan is planned; it runs
    // on the planner thread, which starts after the watches are in place (issue 16: the links
    // dial, and load TLS, while the watches are added).
    coalescer.onRescan("", "startup", "compare the docroot with the saved index");
    group = Transport.newGroup(1);
    Map<String, SslContext> contexts = joinContexts(linkContexts);
    for (NodeConfig slave : config.slaves()) {
      addLink(slave, contexts.get(slave.name()));
    }
    watcher.start(coalescer);
    loopThread = new Thread(loop, "replicator-planner");
    loopThread.start();
    // The master answers agent-check and writes its freshness file too, always up while its agent
    // runs: the same HAProxy and Nginx files then keep working whichever node is master.
    freshness = new FreshnessWriter(docroot, this::freshness);
    freshness.start();
    endpoints = OpsEndpoints.start(config, node, meters -> {
          slaveMeters = MasterMeters.bind(meters, this);
          org.replicator.agent.metrics.EpochMeters.bind(meters, fence, config.nodes().stream().map(NodeConfig::name).toList());
        },
        () -> Verdict.UP.agentCheckLine("master"));
    log.info("node={} role=master docroot={} slaves={} entries={}", node.name(), docroot, links.size(), index.size());
  }

  /** {@link #tlsTowards} of every slave, made on a thread of its own ({@code replicator-tls-setup}). */
  private static CompletableFuture<Map<String, SslContext>> linkContexts(TlsMaterial own, List<NodeConfig> slaves) {
    CompletableFuture<Map<String, SslContext>> result = new CompletableFuture<>();
    Thread setup = new Thread(() -> {
      try {
        Map<String, SslContext> contexts = new HashMap<>();
        for (NodeConfig slave : slaves) {
          SslContext context = tlsTowards(own, slave);
          if (context != null) {
            contexts.put(slave.name(), context);
          }
        }
        result.complete(contexts);
      } catch (Throwable t) { // rethrown by joinContexts on the starting thread
        result.completeExceptionally(t);
      }
    }, "replicator-tls-setup");
    setup.setDaemon(true);
    setup.start();
    return result;
  }

  private static Map<String, SslContext> joinContexts(CompletableFuture<Map<String, SslContext>> contexts) throws IOException {
    try {
      return StartupResults.await(contexts);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while setting up TLS", e);
    }
  }

  private void addLink(NodeConfig slave, SslContext context) throws IOException {
    SlaveLink link = new SlaveLink(linkHost, slave, group, config.bandwidthLimitBytesPerSecond(), context, SessionLimits.DEFAULT,
        docroot, deltas, journal, config.antiEntropyIntervalSeconds());
    links.add(link);
    // After joining the list (every later batch is offered to it), before dialling (no ack yet).
    link.lag.restore(journal, slave.name());
    link.start();
    if (slaveMeters != null) {
      slaveMeters.addSlave(link.stats()); // after a reload; at start, bind registers every link
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
    ConfigChange change = ConfigChange.between(config, next, node.name());
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
      addLink(added, tlsTowards(tls, added));
      log.info("node={} reload: slave {} added at {}, catching up", node.name(), added.name(), added.address());
    }
    Map<String, Object> result = new LinkedHashMap<>();
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
    } catch (GeneralSecurityException | SSLException e) {
      throw new IOException("cannot set up TLS towards slave " + slave.name() + ": " + e.getMessage(), e);
    }
  }

  private static final String PAUSED_FILE = "paused";

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
      Files.writeString(file, Instant.now() + "\n");
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

  /**
   * The signature store in {@code <state_dir>/signatures}, without the signatures of versions no
   * file has any more. A store that cannot be opened turns patches off (whole files still flow).
   */
  private Deltas openDeltas(Index loaded) {
    try {
      SignatureStore store = new SignatureStore(stateDir.resolve("signatures"), SIGNATURE_CACHE_BYTES);
      Set<Long> live = new HashSet<>();
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
    return new Message.Hello(Protocol.MAJOR, Protocol.MINOR, config.cluster(), node.name(), slave.name(), config.replicationHash(), owners,
        fence.current().number());
  }

  /** Before {@link #start}: the epoch this master claims, and whom to tell when a slave knows a newer one (agent.role.RoleHost). */
  public void fencing(Fence fence) {
    this.fence = fence;
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
    return TreeChecks.run(links, slaveName, repair, timeoutMillis, clientGone);
  }


  /** Sender thread of {@code feed}'s link; blocks until the planner took the snapshot (or a batch is held). */
  Snapshot snapshotFor(SlaveFeed feed, boolean slaveEmpty) throws Exception {
    while (true) {
      Snapshot s = loop.submit(() -> loop.snapshot(feed, slaveEmpty)).get(60, TimeUnit.SECONDS);
      if (s != null) {
        return s;
      }
      // Asked again soon: the end of a rescan in parts is a matter of seconds, a held batch may
      // wait for an operator (a task on the planner's queue ten times a second costs nothing).
      Thread.sleep(100);
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
    return deleteGuard.holdReason(result.deletedEntries(), result.entriesBefore(), replaced(result.ops(), result.deletedEntries()));
  }

  /** Entries of what {@code ops} delete that exist again on the master (a new version in their place). */
  private int replaced(List<PlannedOp> ops, int deletedEntries) {
    try {
      return ReplacementCheck.present(docroot, ReplacementCheck.deletedPaths(ops), deletedEntries);
    } catch (IOException e) {
      return 0; // cannot tell: counted as gone, the rule decides as before
    }
  }

  /** A held batch asked about again: null once its deleted directories were replaced (an update). */
  String recheckHold(HeldBatch held) {
    if (!markerOk()) {
      return "the docroot marker " + docroot.resolve(RelPath.RESERVED).resolve("marker") + " is gone: is the disk still mounted?";
    }
    return deleteGuard.holdReason(held.deletedEntries(), held.entriesBefore(), replaced(held.batch().ops(), held.deletedEntries()));
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
        deleteGuard.confirmed();
      }
      return released;
    }).get(10, TimeUnit.SECONDS);
  }

  /**
   * Read-your-writes barrier: returns once every change made before the call has been applied on
   * every slave, or false at the deadline. See {@link WaitBarrier}.
   */
  public boolean awaitAllApplied(long timeoutMillis) throws Exception {
    return waitBarrier.await(timeoutMillis);
  }

  /**
   * The drain of a planned handover: returns once every change made before the call has been
   * applied on {@code slave}, the node that takes over, or false at the deadline. The other slaves
   * need not have them: the new master catches each up by tree comparison (a change of role
   * empties every journal), so one slave down or behind does not block a planned promote.
   */
  public boolean awaitAppliedOn(String slave, long timeoutMillis) throws Exception {
    for (SlaveLink link : links) {
      if (link.name().equals(slave)) {
        return waitBarrier.await(timeoutMillis, link::hasApplied);
      }
    }
    return false;
  }

  /**
   * The last step of a planned handover, after {@link #awaitAppliedOn}: tells {@code slave} it is
   * master at {@code next} and returns once the frame is written (false when its connection is
   * gone). The caller stops this agent right after.
   */
  public boolean grantHandover(String slave, Epoch next, long timeoutMillis) throws InterruptedException {
    for (SlaveLink link : links) {
      if (link.name().equals(slave)) {
        return link.sendNow(new Message.Handover(next.number(), next.master()), timeoutMillis);
      }
    }
    return false;
  }

  /** True when every slave holds every batch up to {@code seq}. */
  private boolean allApplied(long seq) {
    boolean all = true;
    for (SlaveLink link : links) {
      all &= link.hasApplied(seq);
    }
    return all;
  }

  /** Watcher thread: the event of barrier file {@code name} arrived. */
  private void barrierSeen(String name) {
    waitBarrier.seen(name);
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
      slaves.add(link.stats().status(now));
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
    List<SlaveLagView> views = new ArrayList<>();
    for (SlaveLink link : links) {
      views.add(link.stats());
    }
    return views;
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
   * Every slave lags by it: see {@link SlaveLinkStats#lagBatches()}.
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
  public Instant tlsCertificateNotAfter() {
    TlsMaterial own = tls;
    return own == null ? null : own.cert().getNotAfter().toInstant();
  }

  @Override
  public long scanHashedBytes() {
    return scanEvents.hashedBytes();
  }

  /** The freshness file's content as of {@code nowMillis}: up, no lag (the master's docroot is the source). */
  Freshness freshness(long nowMillis) {
    HealthConfig h = config.health();
    return new Freshness(node.name(), ProcessHandle.current().pid(), nowMillis, Verdict.UP, 0, true, seq(), 0,
        h.drainLagSeconds(), h.downLagSeconds(), h.heartbeatTimeoutSeconds());
  }

  @Override
  public void close() {
    if (stateLock == null) {
      return; // never started, or refused by another agent's lock: nothing of this node is ours to close
    }
    if (endpoints != null) {
      endpoints.close();
    }
    if (freshness != null) {
      freshness.close(); // the file stays: its heartbeat ages, and web health checks see the agent gone
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
        if (loopThread != null) { // null when the start failed before the planner started (a link, the watches)
          loopThread.join(30_000);
        }
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

  /** The master as its links see it: {@link LinkHost}, delegating to package-private methods. */
  private final class Host implements LinkHost {
    @Override
    public ErrorCounts errors() {
      return errors;
    }

    @Override
    public Message.Hello hello(NodeConfig slave) {
      return MasterAgent.this.hello(slave);
    }

    @Override
    public void superseded(String slave, Epoch claim) {
      fence.superseded(slave, claim);
    }

    @Override
    public void handoverRequested(String slave, Epoch next) {
      fence.handoverRequested(slave, next);
    }

    @Override
    public boolean paused() {
      return paused;
    }

    @Override
    public Snapshot snapshotFor(SlaveFeed feed, boolean slaveEmpty) throws Exception {
      return MasterAgent.this.snapshotFor(feed, slaveEmpty);
    }

    @Override
    public Snapshot plainSnapshot() throws Exception {
      return MasterAgent.this.plainSnapshot();
    }

    @Override
    public boolean deletesOnCatchUp() {
      return MasterAgent.this.deletesOnCatchUp();
    }

    @Override
    public boolean replicateOwners() {
      return owners;
    }

    @Override
    public long unplannedAgeMillis() {
      return MasterAgent.this.unplannedAgeMillis();
    }
  }

  /** The master as its planner loop sees it: {@link PlannerLoop.Output}. */
  private final class PlannerOutput implements PlannerLoop.Output {
    @Override
    public ErrorCounts errors() {
      return errors;
    }

    @Override
    public String holdReason(PlanResult result) {
      return MasterAgent.this.holdReason(result);
    }

    @Override
    public String recheckHold(HeldBatch held) {
      return MasterAgent.this.recheckHold(held);
    }

    @Override
    public void dispatch(PlannedBatch batch) {
      MasterAgent.this.dispatch(batch);
    }

    @Override
    public void catchUpAll() {
      MasterAgent.this.catchUpAll();
    }

    @Override
    public void maybeSaveState(Index index, long seq, boolean force) {
      upkeep.maybeSaveState(index, seq, force);
    }

    @Override
    public void maintainJournal(boolean force) {
      upkeep.maintainJournal(force);
    }
  }

  /** Planner events to the log. */
  private static final class PlanLogger implements PlanListener {
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
      log.warn("event=read-failed path=\"{}\" reason=\"{}\" (slaves keep the previous version; retried)", UnsafePathException.printable(path), error.toString());
    }

    @Override
    public void pathRefused(String path, String reason) {
      errors.add(ErrorKind.PATH_REFUSED);
      log.warn("event=path-refused path=\"{}\" reason=\"{}\"", UnsafePathException.printable(path), reason);
    }
  }
}
