package org.replicator.agent.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which TLS implementation the agent uses: BoringSSL (netty-tcnative, shipped for linux-x86_64)
 * when its native library loads, the JDK's otherwise. BoringSSL costs about a third of what the
 * JDK's TLS costs on bulk transfers (docs/benchmarks.md). The system property {@value #PROPERTY}
 * ({@code openssl} or {@code jdk}) forces one; forcing {@code openssl} where it cannot load fails
 * at start rather than silently falling back. The choice is logged once per process, with the
 * reason when it falls back.
 */
public final class TlsProvider {
  public static final String PROPERTY = "replicator.tls.provider";
  private static final Logger log = LoggerFactory.getLogger(TlsProvider.class);
  private static volatile SslProvider logged;

  private TlsProvider() {}

  /** The provider to use now (the property is read at each call, so tests can switch it). */
  public static SslProvider current() {
    String forced = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
    SslProvider chosen;
    String why;
    switch (forced) {
      case "":
        chosen = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        why = chosen == SslProvider.OPENSSL ? "native library loaded"
            : "BoringSSL unavailable (" + unavailability() + "); using the JDK's TLS, which is slower on bulk transfers";
        break;
      case "jdk":
        chosen = SslProvider.JDK;
        why = "forced by -D" + PROPERTY + "=jdk";
        break;
      case "openssl":
        if (!OpenSsl.isAvailable()) {
          throw new IllegalStateException("-D" + PROPERTY + "=openssl, but BoringSSL cannot load: " + unavailability());
        }
        chosen = SslProvider.OPENSSL;
        why = "forced by -D" + PROPERTY + "=openssl";
        break;
      default:
        throw new IllegalStateException("-D" + PROPERTY + "=" + forced + ": expected openssl or jdk");
    }
    if (logged != chosen) {
      logged = chosen;
      String name = chosen == SslProvider.OPENSSL ? "BoringSSL " + OpenSsl.versionString() : "JDK " + System.getProperty("java.version");
      if (chosen == SslProvider.JDK && forced.isEmpty()) {
        log.warn("TLS provider: {} ({})", name, why);
      } else {
        log.info("TLS provider: {} ({})", name, why);
      }
    }
    return chosen;
  }

  private static String unavailability() {
    Throwable cause = OpenSsl.unavailabilityCause();
    return cause == null ? "unknown reason" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }
}
