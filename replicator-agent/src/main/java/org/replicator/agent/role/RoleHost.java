package org.replicator.agent.role;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.replicator.agent.Agent;
import org.replicator.agent.journal.Journal;
import org.replicator.agent.master.MasterAgent;
import org.replicator.agent.slave.SlaveAgent;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.ConfigException;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.role.Epoch;
import org.replicator.core.role.Fence;
import org.replicator.core.role.Fencing;
import org.replicator.core.role.RoleResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node whose role can move: it runs the {@link MasterAgent} or the {@link SlaveAgent} that its
 * epoch ({@link EpochStore}) says, and switches between them in place when the epoch moves:
 *
 * <ul>
 *   <li>{@link #promote}: this node becomes master at the next epoch (persisted first), then dials
 *       the others; their slaves adopt the newer epoch at the handshake.
 *   <li>a slave answers this master's HELLO with a newer epoch whose master is another node: this
 *       node was superseded. It stops at once (sends nothing more), keeps its own cut-off changes
 *       aside ({@link KeptAside}), and listens as a slave; the new master's HELLO then makes it
 *       adopt the epoch and catch up. A slave that names itself, or this node, as master is not
 *       believed: the link to it just sends nothing.
 * </ul>
 *
 * The cluster file's {@code role:} is epoch 0. Every change of role empties this node's journal:
 * its batch numbers mean nothing to the other master's slaves, which are caught up by tree
 * comparison instead.
 *
 * <p>Threads: role changes run on one thread of their own ("replicator-role") or the control
 * thread of a promote, serialised by this object's lock; the fence is called on event loops and
 * sender threads.
 */
public final class RoleHost implements Agent {
  private static final Logger log = LoggerFactory.getLogger(RoleHost.class);
  private final String name;
  /** The file as read (roles: epoch 0); guarded by this. */
  private ClusterConfig file;
  private final Path stateDir;
  private final ExecutorService roleThread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "replicator-role");
    t.setDaemon(true);
    return t;
  });
  private EpochStore store;
  /** The running role; replaced under this object's lock. */
  private volatile Agent current;
  /** The newer epoch a slave reported, while this node waits for that epoch's master to dial it. */
  private volatile Epoch steppedDownFor;
  /** The last step-down's kept-aside result, for status and the log. */
  private volatile KeptAside.Result lastKept;
  private volatile boolean closed;
  /** A planned promote of this node waiting for the master's grant; guarded by this. */
  private CompletableFuture<Epoch> pendingHandover;
  /** How long a master drains before it grants a handover; the promoting CLI waits longer (120 s). */
  static final long DRAIN_MILLIS = 60_000;
  private final Fence fence = new StoreFence();

  public RoleHost(ClusterConfig file, NodeConfig node) {
    this.file = file;
    this.name = node.name();
    this.stateDir = file.stateDirOf(node);
  }

  @Override
  public synchronized void start() throws Exception {
    org.replicator.agent.lifecycle.StateDirs.create(stateDir);
    store = EpochStore.open(stateDir, RoleResolver.initial(file));
    store.persistIfMissing();
    Epoch epoch = store.current();
    try {
      RoleResolver.effective(file, epoch.master());
    } catch (ConfigException e) {
      throw new IOException(store.file() + ": " + epoch + " names a node the cluster file " + file.sourceFile() + " does not define", e);
    }
    if (epoch.number() > 0) {
      log.info("node={} {} (the cluster file's role: names {})", name, epoch, file.master().name());
    }
    run(epoch.master().equals(name), epoch.master());
  }

  /** Starts the agent of a role; the caller holds the lock and has stopped the previous one. */
  private void run(boolean master, String masterName) throws Exception {
    ClusterConfig effective = RoleResolver.effective(file, masterName);
    NodeConfig me = effective.node(name);
    Agent next;
    if (master) {
      MasterAgent m = new MasterAgent(effective, me);
      m.fencing(fence);
      next = m;
    } else {
      SlaveAgent s = new SlaveAgent(effective, me);
      s.fencing(fence);
      next = s;
    }
    try {
      next.start();
    } catch (Exception e) {
      next.close();
      throw e;
    }
    current = next;
  }

  /** The agent of the current role (control commands that only a master answers). */
  public Agent current() {
    return current;
  }

  public boolean isMaster() {
    return current instanceof MasterAgent;
  }

  /**
   * This node becomes master at the next epoch ({@code replicator promote --force}): the epoch is
   * persisted first, then the slave agent stops and the master agent starts and dials every other
   * node. What the old master changed after its last change this node applied is not here; when
   * it comes back it keeps those changes aside.
   *
   * @throws IllegalStateException when this node already is master at the current epoch
   */
  public Map<String, Object> promote(boolean force, long timeoutMillis) throws Exception {
    return force ? forcePromote() : plannedPromote(timeoutMillis);
  }

  private synchronized Map<String, Object> forcePromote() throws Exception {
    Epoch before = store.current();
    refuseWhenMaster(before);
    Map<String, Object> was = current.status(false);
    Object appliedAt = was.get("lastAppliedAt");
    String mayLose = "changes '" + before.master() + "' made after batch " + was.get("lastAppliedSeq") + " of its numbering"
        + (appliedAt == null ? "" : " (applied here at " + appliedAt + ")") + " are not on '" + name
        + "'; when '" + before.master() + "' returns it rejoins as a slave and keeps them aside in its state_dir (kept-aside/"
        + before.number() + ")";
    Epoch next = before.next(name);
    store.adopt(next);
    log.warn("node={} promoted: {} follows {}; stopping the slave role", name, next, before);
    current.close();
    steppedDownFor = null;
    clearJournal();
    run(true, name);
    log.info("node={} is master at epoch {}", name, next.number());
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("node", name);
    result.put("epoch", next.number());
    result.put("previousEpoch", before.number());
    result.put("previousMaster", before.master());
    result.put("mayLose", mayLose);
    return result;
  }

  private void refuseWhenMaster(Epoch epoch) {
    if (isMaster() && epoch.master().equals(name)) {
      throw new IllegalStateException("node '" + name + "' already is master (" + epoch + "); nothing changed");
    }
  }

  /**
   * A planned promotion: this slave asks its master for a handover (a HANDOVER frame); the master
   * drains (every change made before the request applied on this node), grants it and rejoins as
   * a slave; the grant makes this node master ({@link #promoteOnGrant}). Waits up to {@code
   * timeoutMillis} for that; the lock is not held meanwhile (the grant needs it).
   */
  private Map<String, Object> plannedPromote(long timeoutMillis) throws Exception {
    Epoch before;
    CompletableFuture<Epoch> done = new CompletableFuture<>();
    synchronized (this) {
      before = store.current();
      refuseWhenMaster(before);
      if (pendingHandover != null) {
        throw new IllegalStateException("a handover to '" + name + "' is already under way; wait for it (replicator status)");
      }
      if (!(current instanceof SlaveAgent slave) || !slave.requestHandover(before.next(name))) {
        throw new IllegalStateException("no master is connected to '" + name + "': a planned promote needs the master ('" + before.master()
            + "') alive and connected, to drain its changes first; nothing changed. If it is dead or cut off: replicator promote --force "
            + name + " (changes it made after this node's last applied batch stay on it, kept aside when it returns)");
      }
      pendingHandover = done;
    }
    log.info("node={} asked '{}' for a planned handover at epoch {}", name, before.master(), before.number() + 1);
    Epoch now;
    try {
      now = done.get(timeoutMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("'" + before.master() + "' did not hand over within " + timeoutMillis / 1000
          + " s: it drains its changes to this node first, and this node is still behind (see replicator status); this node is still a slave."
          + " The master may still hand over (check replicator status); or promote --force, which may lose its undrained changes");
    } finally {
      synchronized (this) {
        pendingHandover = null;
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("node", name);
    result.put("epoch", now.number());
    result.put("previousEpoch", before.number());
    result.put("previousMaster", before.master());
    result.put("handover", "'" + before.master() + "' drained its changes to the slaves and rejoins as a slave of '" + name + "'");
    return result;
  }

  /** Slave side: the master granted the handover (role thread). */
  private synchronized void promoteOnGrant(String from, Epoch next) {
    Epoch before = store.current();
    if (closed || isMaster() || !from.equals(before.master()) || !next.equals(before.next(name))) {
      log.warn("node={} handover grant from '{}' for {} does not follow {}; ignored", name, from, next, before);
      return;
    }
    try {
      store.adopt(next);
      current.close();
      steppedDownFor = null;
      clearJournal();
      run(true, name);
      log.warn("node={} is master at epoch {} (planned handover from '{}')", name, next.number(), from);
      CompletableFuture<Epoch> waiting = pendingHandover;
      if (waiting != null) {
        waiting.complete(next);
      }
    } catch (Exception e) {
      log.error("node={} could not start as master after the handover from '{}': {}; restart the agent", name, from, e.getMessage());
    }
  }

  /**
   * Master side: slave {@code slave} asked for a handover (role thread). Drains: waits until every
   * change made before now is applied on {@code slave} (a barrier, as {@code replicator wait}, for
   * that one slave: the new master catches the others up by tree comparison); then
   * grants and steps down, keeping aside what changed here since the drain began (it may not have
   * reached {@code slave}).
   */
  private synchronized void grant(String slave, Epoch next) {
    Epoch own = store.current();
    String refused = Fencing.handoverRefusal(name, own, slave, next);
    if (closed || !(current instanceof MasterAgent master) || refused != null) {
      log.warn("node={} handover request from '{}' for {} ignored: {}", name, slave, next, refused != null ? refused : "this node is not master");
      return;
    }
    long drainStart = System.currentTimeMillis();
    log.info("node={} handover to '{}' requested: draining (every change made until now, to '{}')", name, slave, slave);
    try {
      if (!master.awaitAppliedOn(slave, DRAIN_MILLIS)) {
        log.warn("node={} handover to '{}' refused: '{}' did not apply this node's changes within {} s (behind or disconnected;"
            + " see replicator status); this node stays master", name, slave, slave, DRAIN_MILLIS / 1000);
        return;
      }
      if (!master.grantHandover(slave, next, 10_000)) {
        log.warn("node={} handover to '{}' not sent: its connection is gone; this node stays master", name, slave);
        return;
      }
    } catch (Exception e) {
      log.warn("node={} handover to '{}' failed: {}; this node stays master", name, slave, e.getMessage());
      return;
    }
    log.warn("node={} handed over to '{}' at epoch {}: this node stops sending and rejoins as a slave", name, slave, next.number());
    stepDown(next, drainStart);
  }

  /** A slave reported a newer epoch of another master: stop sending, keep our changes, become a slave. */
  private synchronized void stepDown(Epoch claim) {
    stepDown(claim, -1);
  }

  /**
   * @param cutoffMillis changes after it are kept aside; -1: after the last batch {@code claim}'s
   *     master acknowledged (journal)
   */
  private synchronized void stepDown(Epoch claim, long cutoffMillis) {
    if (closed || !isMaster() || steppedDownFor != null || !claim.isNewerThan(store.current())) {
      return;
    }
    Epoch own = store.current();
    if (cutoffMillis < 0) {
      log.warn("node={} superseded: a slave follows {}, newer than this master's {}; this node stops sending and rejoins as a slave",
        name, claim, own);
    }
    current.close();
    steppedDownFor = claim;
    try {
      ClusterConfig effective = RoleResolver.effective(file, name);
      NodeConfig me = effective.node(name);
      Journal.Settings journalSettings = Journal.Settings.of(effective.journal().maxBytes(), effective.journal().maxAgeSeconds());
      KeptAside.Result kept = cutoffMillis >= 0
          ? KeptAside.collectSince(stateDir, effective.docrootOf(me), effective.excludeMatcher(), claim.master(), own, journalSettings, cutoffMillis)
          : KeptAside.collect(stateDir, effective.docrootOf(me), effective.excludeMatcher(), claim.master(), own, journalSettings);
      lastKept = kept;
      if (kept.dir() != null) {
        log.warn("node={} kept aside {} files changed here after the cut-off, in {} (listed in {}.manifest): review and reapply them on '{}'",
            name, kept.paths().size(), kept.dir(), kept.dir().getFileName(), claim.master());
        kept.paths().stream().limit(100).forEach(p -> log.warn("node={} kept aside path={} dir={}", name, p, kept.dir()));
        if (!kept.deleted().isEmpty()) {
          log.warn("node={} {} paths deleted here after the cut-off come back from '{}' (listed as deleted: in {}.manifest): delete them again there if meant",
              name, kept.deleted().size() + kept.deletedOmitted(), claim.master(), kept.dir().getFileName());
          kept.deleted().stream().limit(100).forEach(p -> log.warn("node={} deleted here after the cut-off path={}", name, p));
        }
        if (kept.note() != null) {
          log.warn("node={} {}", name, kept.note());
        }
      } else if (kept.note() != null) {
        log.error("node={} {}", name, kept.note());
      } else {
        log.info("node={} no change made here after the cut-off: nothing kept aside", name);
      }
      clearJournal();
      run(false, claim.master());
    } catch (Exception e) {
      // Stopped as master and not running as slave: visible in status; a restart retries.
      log.error("node={} could not rejoin as a slave of '{}': {}; restart the agent", name, claim.master(), e.getMessage());
    }
  }

  /** Batches numbered by this node mean nothing to another master's slaves; they are caught up by diff. */
  private void clearJournal() throws IOException {
    Path journal = stateDir.resolve("journal");
    if (!Files.exists(journal)) {
      return;
    }
    try (Stream<Path> s = Files.walk(journal)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Override
  public Map<String, Object> status(boolean verbose) {
    Agent a = current;
    Map<String, Object> m = new LinkedHashMap<>();
    if (a != null) {
      m.putAll(a.status(verbose));
    } else {
      m.put("node", name);
      m.put("role", "none");
    }
    Epoch epoch = store == null ? RoleResolver.initial(file) : store.current();
    m.put("epoch", epoch.number());
    m.put("currentMaster", epoch.master());
    String fileMaster = file.master().name();
    m.put("fileMaster", fileMaster);
    if (!fileMaster.equals(epoch.master())) {
      m.put("roleNote", "the cluster file " + file.sourceFile() + " names '" + fileMaster + "' as master (role:), but the running cluster's master is '"
          + epoch.master() + "' since epoch " + epoch.number() + ": set role: master on '" + epoch.master() + "' in the file to match");
    }
    Epoch waiting = steppedDownFor;
    if (waiting != null && !store.current().equals(waiting)) {
      m.put("steppedDown", "superseded: a slave follows " + waiting + "; this node sends nothing and waits for '" + waiting.master()
          + "' to connect. If that claim is wrong, promote this node again");
    }
    KeptAside.Result kept = lastKept;
    if (kept != null && kept.note() != null) {
      m.put("keptAsideNote", kept.note());
    }
    if (kept != null && !kept.deleted().isEmpty()) {
      // Since this agent started; the manifest keeps them for good.
      m.put("keptAsideDeleted", kept.deleted().stream().limit(100).toList());
      long more = kept.deleted().size() - 100L + kept.deletedOmitted();
      if (more > 0) {
        m.put("keptAsideDeletedNote", more + " more deleted paths: see " + kept.dir() + ".manifest");
      }
    }
    List<String> dirs = KeptAside.list(stateDir);
    if (!dirs.isEmpty()) {
      m.put("keptAside", dirs);
    }
    return m;
  }

  @Override
  public Path stateDir() {
    return stateDir;
  }

  @Override
  public synchronized Map<String, Object> reload(ClusterConfig next) throws Exception {
    Map<String, Object> result = current.reload(RoleResolver.effective(next, store.current().master()));
    file = next;
    return result;
  }

  @Override
  public void close() {
    closed = true;
    roleThread.shutdownNow();
    synchronized (this) {
      if (current != null) {
        current.close();
      }
    }
  }

  /** The epoch as the handshakes see it: reads and adoptions go to the store; a superseded master steps down. */
  private final class StoreFence implements Fence {
    @Override
    public Epoch current() {
      return store.current();
    }

    @Override
    public Fencing.Verdict admit(Epoch claim) throws IOException {
      synchronized (store) {
        Fencing.Verdict v = Fencing.judge(store.current(), claim);
        if (v == Fencing.Verdict.ADOPT) {
          store.adopt(claim);
        }
        return v;
      }
    }

    @Override
    public void handoverRequested(String slave, Epoch next) {
      if (!closed) {
        roleThread.execute(() -> grant(slave, next));
      }
    }

    @Override
    public void handedOver(String from, Epoch next) {
      if (!closed) {
        roleThread.execute(() -> promoteOnGrant(from, next));
      }
    }

    @Override
    public void superseded(String reporter, Epoch claim) {
      if (!Fencing.believesSupersession(name, reporter, store.current(), claim, file.nodes().stream().map(NodeConfig::name).toList())) {
        // A slave cannot make itself (or us) master by saying so: only a promoted node's own HELLO
        // moves an epoch. The link to it sends nothing; nothing else changes.
        log.warn("node={} slave '{}' claims {}, which no promotion of another node explains; not believed, nothing is sent to it",
            name, reporter, claim);
        return;
      }
      if (!closed) {
        roleThread.execute(() -> stepDown(claim));
      }
    }
  }
}
