package org.replicator.agent.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.replicator.agent.stats.ErrorCounts;
import org.replicator.agent.stats.ErrorKind;
import org.replicator.agent.stats.RescanCounts;
import org.replicator.agent.watch.InotifyWatches;
import org.replicator.core.wire.Protocol;

/**
 * The registry of one agent and the meters both roles share: errors by kind, rescans by cause,
 * inotify watches, and the JVM basics. Every meter carries the {@code cluster} and {@code node}
 * tags (names from the cluster file, never paths). Gauges read their source at scrape time and
 * hold it strongly (the agent owns it for its whole life anyway).
 */
public final class Meters implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final InotifyWatches watches = new InotifyWatches();

  public Meters(String cluster, String node) {
    registry.config().commonTags("cluster", cluster, "node", node);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    gc.bindTo(registry);
    gauge("replicator.watches", watches, w -> w.count(System.nanoTime()), null, Tags.empty(),
        "inotify watches this process holds (one per watched directory; counts against fs.inotify.max_user_watches)");
    gauge("replicator.watches.limit", watches, w -> InotifyWatches.limit(), null, Tags.empty(),
        "fs.inotify.max_user_watches");
    gauge("replicator.build.info", this, m -> 1, null, Tags.of("version", version(), "protocol", Protocol.MAJOR + "." + Protocol.MINOR),
        "always 1: the product version and the replication protocol (major.minor) this agent runs");
  }

  /** The jar manifest's version (the launcher's shaded jar), or "dev" when run from classes. */
  static String version() {
    String v = Meters.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /**
   * {@code replicator_tls_certificate_expiry_seconds}: when the node's own certificate, the one
   * its agent loaded at start, expires. Not registered for {@code transport: plain} (null): a 0
   * would read as "expired" to every alert.
   */
  void tlsCertificate(Instant notAfter) {
    if (notAfter == null) {
      return;
    }
    double epochSeconds = notAfter.getEpochSecond();
    gauge("replicator.tls.certificate.expiry", this, m -> epochSeconds, "seconds", Tags.empty(),
        "when the node's own TLS certificate (loaded at start) expires, epoch seconds; renew with replicator certs --renew NODE");
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** {@code replicator_errors_total{kind}}, one series per kind from the start. */
  void errors(ErrorCounts errors) {
    for (ErrorKind kind : ErrorKind.values()) {
      counter("replicator.errors", errors, e -> e.count(kind), null, Tags.of("kind", kind.label()),
          "errors by kind since the agent started (docs/metrics.md lists the kinds)");
    }
  }

  /** {@code replicator_rescans_total{cause}} for the causes of this role. */
  void rescans(RescanCounts rescans, String... causes) {
    for (String cause : causes) {
      counter("replicator.rescans", rescans, r -> r.count(cause), null, Tags.of("cause", cause),
          "tree rescans by cause since the agent started");
    }
  }

  <T> Meter gauge(String name, T source, ToDoubleFunction<T> value, String baseUnit, Tags tags, String help) {
    return Gauge.builder(name, source, value).strongReference(true).baseUnit(baseUnit).tags(tags).description(help).register(registry);
  }

  <T> Meter counter(String name, T source, ToDoubleFunction<T> value, String baseUnit, Tags tags, String help) {
    return FunctionCounter.builder(name, source, value).baseUnit(baseUnit).tags(tags).description(help).register(registry);
  }

  /** Unregisters meters (a slave removed by a reload): they vanish from the next scrape. */
  void remove(List<Meter> meters) {
    meters.forEach(registry::remove);
  }

  /** Milliseconds since the epoch as Prometheus timestamp seconds; 0 stays 0 ("never"). */
  static double epochSeconds(long millis) {
    return millis / 1000.0;
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
