package org.replicator.agent.slave;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.replicator.agent.fs.Statx;
import org.replicator.agent.Agent;
import org.replicator.agent.AgentEvents;
import org.replicator.agent.health.FreshnessWriter;
import org.replicator.agent.lifecycle.IndexFiles;
import org.replicator.agent.lifecycle.OpsEndpoints;
import org.replicator.agent.metrics.SlaveMeters;
import org.replicator.agent.lifecycle.StateDirLock;
import org.replicator.agent.lifecycle.StateDirs;
import org.replicator.agent.lifecycle.StateFile;
import org.replicator.agent.net.ConnectionGate;
import org.replicator.agent.net.Listen;
import org.replicator.agent.net.LogLimiter;
import org.replicator.agent.net.Pipelines;
import org.replicator.agent.net.SessionLimits;
import org.replicator.agent.net.TrafficMeter;
import org.replicator.agent.net.Transport;
import org.replicator.agent.stats.ErrorCounts;
import org.replicator.agent.stats.RescanCounts;
import org.replicator.agent.stats.SlaveStats;
import org.replicator.core.health.Freshness;
import org.replicator.core.health.Verdict;
import org.replicator.agent.tls.NodeTls;
import org.replicator.agent.tls.TlsContexts;
import org.replicator.agent.tls.TlsMaterial;
import org.replicator.core.apply.Applier;
import org.replicator.core.apply.ApplierOptions;
import org.replicator.core.apply.DocrootMarker;
import org.replicator.core.apply.MarkerState;
import org.replicator.core.config.ClusterConfig;
import org.replicator.core.config.NodeConfig;
import org.replicator.core.index.Index;
import org.replicator.core.scan.Scanner;
import org.replicator.core.wire.HelloRefusedException;
import org.replicator.core.wire.HelloRefusedException.Check;
import org.replicator.core.wire.Message;
import org.replicator.core.wire.Protocol;
import org.replicator.core.role.Epoch;
import org.replicator.core.role.Fence;
import org.replicator.core.role.Fencing;
import org.replicator.core.role.RoleResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slave node: listens on its {@code host:port}, accepts the cluster's master, applies what it
 * sends. One master connection at a time: a new, valid handshake replaces an older connection
 * (the master reconnects after a network cut before the old socket times out).
 *
 * <p>With TLS (the default) only a peer whose certificate, under the cluster CA, names the master
 * gets past the handshake; at most a few connections may wait to authenticate, each for a bounded
 * time ({@link ConnectionGate}, {@link SessionLimits}).
 *
 * <p>Threads: Netty's event loop (one), the apply loop (one, owns the applier and the index).
 */
public final class SlaveAgent implements Agent, SlaveStats {
  private static final Logger log = LoggerFactory.getLogger(SlaveAgent.class);
  /**
   * fsyncs in flight at once (the applier keeps up to 64 puts pending). Concurrent fsyncs share the
   * file system journal's commits: creating, fsyncing and renaming empty files on this machine's
   * ext4 ran at 1,630-1,670 files/s with 8 threads and 2,090-3,820 with 32 (bench/fsync.py; 64 was no
   * better than 32).
   */
  static final int FSYNC_THREADS = 32;

  /** Replaced whole by {@link #reload}: only hooks, health and other nodes may differ. */
  private volatile ClusterConfig config;
  private final NodeConfig node;
  private final Path docroot;
  private final Path stateDir;
  private final SlaveStatus status = new SlaveStatus(System::nanoTime);
  private final TrafficMeter meter = new TrafficMeter();
  private final AgentEvents.ScanLogger scanEvents = new AgentEvents.ScanLogger(status.errors());
  private final SessionLimits limits;
  private final ConnectionGate gate;
  /** Rejected handshakes: one WARN per peer host and reason per minute. */
  private final LogLimiter rejections = new LogLimiter(1, java.util.concurrent.TimeUnit.MINUTES);
  private EventLoopGroup group;
  private FreshnessWriter freshness;
  private OpsEndpoints endpoints;
  private Channel server;
  private ApplyLoop loop;
  private volatile org.replicator.agent.hooks.Hooks hooks;
  private Thread loopThread;
  private volatile Channel active;
  private volatile long lastAppliedSeq;
  /** The own certificate's end, for metrics; null with transport: plain. */
  private volatile java.time.Instant certificateNotAfter;
  /** Held from the first line of {@link #start} to the last of {@link #close}: one agent per state_dir. */
  private StateDirLock stateLock;
  /** Which epoch this node knows and who is master at it; replaced before {@link #start} (failover). */
  private volatile Fence fence;

  public SlaveAgent(ClusterConfig config, NodeConfig node) {
    this(config, node, SessionLimits.DEFAULT);
  }

  /** With other limits: tests shorten the timeouts. */
  public SlaveAgent(ClusterConfig config, NodeConfig node, SessionLimits limits) {
    this.limits = limits;
    this.gate = new ConnectionGate(limits);
    this.config = config;
    this.node = node;
    this.docroot = config.docrootOf(node);
    this.stateDir = config.stateDirOf(node);
    this.fence = Fence.inMemory(RoleResolver.initial(config));
  }

  /** Before {@link #start}: the epoch a master's HELLO is judged against (agent.role.RoleHost). */
  public void fencing(Fence fence) {
    this.fence = fence;
  }

  /**
   * The nodes that may dial this slave: every other node of the cluster, since any of them may be
   * promoted; the fence then decides whether the one that dialled is master.
   */
  java.util.Set<String> peerNames() {
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (NodeConfig n : config.nodes()) {
      if (!n.name().equals(node.name())) {
        names.add(n.name());
      }
    }
    return names;
  }

  @Override
  public void start() throws IOException, InterruptedException, java.security.GeneralSecurityException {
    // First of all: a second agent of this node stops here, before it touches anything.
    stateLock = StateDirs.createAndLock(stateDir, node.name());
    TlsMaterial tls = NodeTls.start(config, node);
    certificateNotAfter = tls == null ? null : tls.cert().getNotAfter().toInstant();
    MarkerState marker = DocrootMarker.check(docroot, stateDir, DocrootMarker.adoptCommand(config.sourceFile(), node.name()));
    if (marker.status() == MarkerState.Status.FRESH) {
      DocrootMarker.initialise(docroot, stateDir, config.cluster());
      log.info("docroot={} initialised (marker and identity created)", docroot);
    } else if (!marker.isOk()) {
      String why = marker.message();
      status.blocked(why);
      throw new IOException(why);
    }
    boolean owners = AgentEvents.isRoot();
    // A swap's staging copy left by a crash is removed by the applier's start(), after this scan:
    // it must never be counted as part of the tree (nor in any later rescan).
    Scanner scanner = new Scanner(docroot, config.swapPatterns().withStagingExcluded(config.excludeMatcher()), owners, scanEvents,
        Statx.ifAvailable());
    Path indexFile = IndexFiles.of(stateDir);
    status.rescans().record("startup");
    // The saved index is loaded and the docroot scanned on a thread of their own while this one
    // sets up TLS and the listener (issue 16): nothing here depends on the other. Nothing is
    // applied before both are done: the apply loop is made from their result below.
    StartupScan startup = StartupScan.begin(scanner, () -> IndexFiles.loadOrEmpty(stateDir));
    io.netty.handler.ssl.SslContext sslContext;
    try {
      sslContext = tls == null ? null : TlsContexts.forSlave(tls, peerNames(), "the cluster's nodes");
      // Listen before the startup scan ends, accept after it (issue 16): the master's dial succeeds
      // at once instead of backing off while the slave scans, and its TLS hello waits in the backlog.
      group = Transport.newGroup(1);
      server = Listen.on(serverBootstrap(sslContext), new InetSocketAddress(node.host(), node.port()), "the master");
    } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
      startup.abandon();
      throw e;
    }
    StartupScan.Result scanned = startup.await();
    Index index = scanned.saved();
    Index fresh = scanned.fresh();
    StateFile state = new StateFile(stateDir.resolve("slave.state"));
    lastAppliedSeq = state.readLong("lastAppliedSeq", 0);
    status.setLastAppliedSeq(lastAppliedSeq);
    java.util.concurrent.ExecutorService syncPool = java.util.concurrent.Executors.newFixedThreadPool(FSYNC_THREADS, r -> {
      Thread t = new Thread(r, "replicator-fsync");
      t.setDaemon(true);
      return t;
    });
    Applier[] made = new Applier[1];
    loop = new ApplyLoop(listener -> {
      made[0] = new Applier(docroot, new ApplierOptions(true, owners, config.delete() != org.replicator.core.config.DeletePolicy.FALSE), listener);
      made[0].syncInParallel(syncPool);
      made[0].useDirectorySwap(config.swapPatterns(), new Renameat2());
      return made[0];
    }, fresh, scanner, state, indexFile, status, digest -> reply(true, "", digest));
    made[0].start(); // removes temp files an earlier run left behind
    hooks = new org.replicator.agent.hooks.Hooks(node.name(), docroot, config.hooksOf(node));
    loop.batchListener(hooks);
    if (scanEvents.hashedFiles() > 0 || fresh.digest() != index.digest() || fresh.size() != index.size()) {
      // Otherwise a slave that applies nothing never saves it, and every start reads every file.
      loop.indexRescanned();
    }
    loopThread = new Thread(loop, "replicator-apply");
    loopThread.start();
    server.config().setAutoRead(true); // now the loop exists: accept whatever waited in the backlog
    freshness = new FreshnessWriter(docroot, this::freshness);
    freshness.start();
    endpoints = OpsEndpoints.start(config, node, meters -> {
          SlaveMeters.bind(meters, this, config.master().name());
          org.replicator.agent.metrics.EpochMeters.bind(meters, fence, config.nodes().stream().map(NodeConfig::name).toList());
        },
        () -> health().agentCheckLine());
    log.info("node={} role=slave listening={}:{} docroot={} entries={}", node.name(), node.host(), node.port(), docroot, fresh.size());
    DecodeWarmup.start(); // the first batches after a restart are often a replay of hundreds
  }

  /**
   * The master's listener, bound with accepting off ({@code AUTO_READ} false on the server
   * channel) until {@link #start} turns it on: a connection waits in the kernel's backlog, and
   * {@link #loop} is set before any child channel is initialised.
   */
  private ServerBootstrap serverBootstrap(io.netty.handler.ssl.SslContext sslContext) {
    return new ServerBootstrap()
        .group(group)
        .channel(Transport.serverChannel())
        .option(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            // The gate first: a connection over the limit is closed before TLS sees a byte.
            ch.pipeline().addLast("gate", gate);
            Pipelines.addCodec(ch.pipeline(), sslContext == null ? null : sslContext.newHandler(ch.alloc()), 0, meter, limits.readIdleSeconds(),
                limits.handshakeTimeoutMillis());
            ch.pipeline().addLast("session", new SlaveReceiverHandler(SlaveAgent.this, loop, limits, sslContext != null));
          }
        });
  }

  /**
   * A re-read cluster file ({@code replicator reload}): new hooks and health thresholds apply at
   * once, and the next master handshake is checked against the new file's replication hash (the
   * current connection carries on). Anything that needs a restart changes nothing.
   */
  @Override
  public synchronized Map<String, Object> reload(ClusterConfig next) {
    org.replicator.core.config.ConfigChange change = org.replicator.core.config.ConfigChange.between(config, next, node.name());
    if (change.needsRestart()) {
      throw new IllegalArgumentException(next.sourceFile() + ": " + String.join("; ", change.restartNeeded())
          + ": cannot be applied to a running agent; nothing was changed; restart the agent to apply the file");
    }
    NodeConfig me = next.nodes().stream().filter(n -> n.name().equals(node.name())).findFirst().orElseThrow();
    if (hooks != null) {
      hooks.update(next.hooksOf(me));
    }
    config = next;
    log.info("node={} reload: {} hooks, health {}", node.name(), next.hooksOf(me).size(), next.health());
    Map<String, Object> result = new java.util.LinkedHashMap<>();
    result.put("hooks", next.hooksOf(me).stream().map(org.replicator.core.config.HookConfig::name).toList());
    result.put("health", Map.of("drainLagSeconds", next.health().drainLagSeconds(), "downLagSeconds", next.health().downLagSeconds(),
        "heartbeatTimeoutSeconds", next.health().heartbeatTimeoutSeconds()));
    return result;
  }

  /** Null when the master may proceed, else why not. Called on the event loop. */
  /** Checks a master's HELLO on the event loop; a refusal carries the reason for HELLO_REPLY and the check that failed. */
  void checkHello(Message.Hello hello, String authenticatedAs) throws HelloRefusedException {
    if (!Protocol.compatible(hello.major(), hello.minor())) {
      throw new HelloRefusedException(Check.VERSION,
          "protocol " + hello.major() + "." + hello.minor() + " is not compatible with ours " + Protocol.MAJOR + "." + Protocol.MINOR);
    }
    if (!Protocol.hasEpoch(hello.major(), hello.minor())) {
      throw new HelloRefusedException(Check.VERSION, "node '" + hello.fromNode() + "' speaks protocol " + hello.major() + "." + hello.minor()
          + ", which has no epoch (failover fencing); this node speaks " + Protocol.MAJOR + "." + Protocol.MINOR
          + " and accepts masters from " + Protocol.MAJOR + "." + Protocol.MINOR_EPOCH + " on: upgrade '" + hello.fromNode() + "'");
    }
    if (!hello.cluster().equals(config.cluster())) {
      throw new HelloRefusedException(Check.CLUSTER, "cluster '" + hello.cluster() + "' is not ours ('" + config.cluster() + "')");
    }
    if (!hello.toNode().equals(node.name())) {
      throw new HelloRefusedException(Check.TARGET_NODE, "this is node '" + node.name() + "', not '" + hello.toNode() + "'");
    }
    if (hello.fromNode().equals(node.name()) || config.nodes().stream().noneMatch(n -> n.name().equals(hello.fromNode()))) {
      throw new HelloRefusedException(Check.SENDER_IS_MASTER, "node '" + hello.fromNode()
          + "' is not the master of this cluster: it is none of the other nodes of the cluster file (" + String.join(", ", peerNames()) + ")");
    }
    if (authenticatedAs != null && !authenticatedAs.equals(hello.fromNode())) {
      throw new HelloRefusedException(Check.SENDER_IS_MASTER, "node '" + hello.fromNode() + "' is not the master here: the HELLO names it,"
          + " but the TLS certificate authenticated '" + authenticatedAs + "'");
    }
    Epoch claim = new Epoch(hello.epoch(), hello.fromNode());
    Epoch known = fence.current();
    Fencing.Verdict verdict;
    try {
      // A newer epoch is persisted (fsync) here, on the event loop: once per promotion, and the
      // master must not be accepted before it is durable.
      verdict = fence.admit(claim);
    } catch (IOException e) {
      throw new HelloRefusedException(Check.SENDER_IS_MASTER, "cannot record " + claim + ": " + e.getMessage());
    }
    switch (verdict) {
      case ACCEPT -> { }
      case ADOPT -> log.warn("node={} epoch advances from {} to {}: '{}' is master now", node.name(), known, claim, claim.master());
      case STALE, CONFLICT -> throw new HelloRefusedException(Check.SENDER_IS_MASTER, Fencing.refusal(verdict, fence.current(), claim));
    }
    if (hello.configHash() != config.replicationHash()) {
      throw new HelloRefusedException(Check.CONFIG_HASH, String.format(
          "cluster file differs (replication hash %016x here, %016x on %s): excludes or roles differ; deploy the same cluster file on every node",
          config.replicationHash(), hello.configHash(), hello.fromNode()));
    }
    MarkerState marker;
    try {
      marker = DocrootMarker.check(docroot, stateDir, DocrootMarker.adoptCommand(config.sourceFile(), node.name()));
    } catch (IOException e) {
      throw new HelloRefusedException(Check.MARKER, "marker: cannot check " + docroot + ": " + e.getMessage());
    }
    if (!marker.isOk()) {
      throw new HelloRefusedException(Check.MARKER, "marker: " + marker.message());
    }
  }

  Message.HelloReply reply(boolean accepted, String reason, long digest) {
    Epoch known = fence.current();
    return new Message.HelloReply(Protocol.MAJOR, Protocol.MINOR, node.name(), config.replicationHash(),
        status.lastAppliedSeq(), digest, accepted, reason, known.number(), known.master());
  }

  /**
   * The refusal of {@code hello}: in the layout the master reads, so that a master from before
   * epochs logs the reason instead of failing on a field it does not know (its version numbers say
   * minor 1, the last one without the field; the reason names this node's real version).
   */
  Message.HelloReply refusal(Message.Hello hello, String reason) {
    if (Protocol.hasEpoch(hello.major(), hello.minor())) {
      return reply(false, reason, 0);
    }
    return new Message.HelloReply(Protocol.MAJOR, Protocol.MINOR_EPOCH - 1, node.name(), config.replicationHash(),
        status.lastAppliedSeq(), 0, false, reason);
  }

  /** Event loop: the master granted a planned handover. */
  void handedOver(String from, Message.Handover grant) {
    if (!grant.master().equals(node.name())) {
      log.warn("node={} master {} handed over to '{}', not to this node; ignored", node.name(), from, grant.master());
      return;
    }
    fence.handedOver(from, new Epoch(grant.epoch(), grant.master()));
  }

  /**
   * Asks the connected master for a planned handover to this node at {@code next}; false when no
   * master is connected. The answer is a HANDOVER frame (then {@link Fence#handedOver}) or nothing.
   */
  public boolean requestHandover(Epoch next) {
    Channel ch = active;
    if (ch == null || !ch.isActive()) {
      return false;
    }
    ch.writeAndFlush(new Message.Handover(next.number(), next.master()));
    return true;
  }

  void takeOver(Channel channel) {
    gate.admit(channel);
    Channel previous = active;
    active = channel;
    status.staleness.connected();
    status.connected(String.valueOf(channel.remoteAddress()));
    if (previous != null && previous != channel) {
      log.info("peer={} replaces the previous master connection {}", channel.remoteAddress(), previous.remoteAddress());
      previous.close();
    }
  }

  void released(Channel channel) {
    if (active == channel) {
      active = null;
      status.staleness.disconnected();
      status.disconnected();
    }
  }

  SlaveStatus status() {
    return status;
  }

  String masterName() {
    return config.master().name();
  }

  LogLimiter rejections() {
    return rejections;
  }

  /** Connections waiting to authenticate (tests). */
  public int pendingConnections() {
    return gate.pending();
  }

  @Override
  public Map<String, Object> status(boolean verbose) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("node", node.name());
    m.put("role", "slave");
    m.put("cluster", config.cluster());
    m.putAll(status.toJson());
    Health h = health();
    m.put("lagSeconds", h.lagSeconds());
    m.put("lagBatches", h.lagBatches());
    m.put("health", h.verdict().label());
    m.put("healthReason", h.reason());
    m.put("receivedBytes", meter.receivedBytes());
    m.put("sentBytes", meter.sentBytes());
    m.put("scanHashedFiles", scanEvents.hashedFiles());
    m.put("scanHashedBytes", scanEvents.hashedBytes());
    if (hooks != null) {
      m.put("hooks", hooks.status());
      m.put("hookRuns", hooks.runs());
      m.put("hookFailures", hooks.failures());
    }
    return m;
  }

  @Override
  public Path stateDir() {
    return stateDir;
  }

  @Override
  public Health health() {
    var lag = status.staleness.lag();
    boolean blocked = status.isBlocked();
    Verdict verdict = Verdict.of(lag.seconds(), blocked, config.health());
    String reason = blocked ? "replication blocked: see replicator status" : lag.reason();
    if (reason.isEmpty()) {
      reason = String.format(java.util.Locale.ROOT, "lag %.1f s", lag.seconds());
    }
    return new Health(verdict, reason, lag.seconds(), lag.batches(), lag.connected());
  }

  /** The freshness file's content as of {@code nowMillis} (written every second). */
  public Freshness freshness(long nowMillis) {
    Health h = health();
    return new Freshness(node.name(), ProcessHandle.current().pid(), nowMillis, h.verdict(), h.lagSeconds(),
        h.masterConnected(), status.lastAppliedSeq(), status.lastAppliedAtMillis(),
        config.health().drainLagSeconds(), config.health().downLagSeconds(), config.health().heartbeatTimeoutSeconds());
  }

  @Override
  public long lastAppliedAtMillis() {
    return status.lastAppliedAtMillis();
  }

  @Override
  public long lastAppliedSeq() {
    return status.lastAppliedSeq();
  }

  @Override
  public long appliedFiles() {
    return status.appliedFiles();
  }

  @Override
  public long appliedBytes() {
    return status.appliedBytes();
  }

  @Override
  public ErrorCounts errors() {
    return status.errors();
  }

  @Override
  public RescanCounts rescans() {
    return status.rescans();
  }

  @Override
  public long directorySwaps() {
    return status.directorySwaps();
  }

  @Override
  public long directorySwapFallbacks() {
    return status.swapFallbacks();
  }

  @Override
  public long hookRuns() {
    return hooks == null ? 0 : hooks.runs();
  }

  @Override
  public long hookFailures() {
    return hooks == null ? 0 : hooks.failures();
  }

  @Override
  public long sentBytes() {
    return meter.sentBytes();
  }

  @Override
  public long receivedBytes() {
    return meter.receivedBytes();
  }

  @Override
  public java.time.Instant tlsCertificateNotAfter() {
    return certificateNotAfter;
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
    if (server != null) {
      server.close().syncUninterruptibly();
    }
    Channel a = active;
    if (a != null) {
      a.close().syncUninterruptibly();
    }
    if (group != null) {
      group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
    if (loop != null) {
      loop.stop();
    }
    if (loopThread != null) { // null when the start failed between the loop and its thread
      try {
        loopThread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (hooks != null) {
      hooks.close();
    }
    try {
      stateLock.close();
    } catch (IOException e) {
      log.debug("releasing the state_dir lock: {}", e.toString());
    }
    stateLock = null;
    log.info("node={} stopped", node.name());
  }
}
